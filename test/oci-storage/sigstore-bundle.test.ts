import { bundleFromJSON } from "@sigstore/bundle";
import { toSignedEntity } from "@sigstore/verify";
import { Effect, Result } from "effect";
import { describe, expect, it } from "vitest";
import { dsseEnvelopeBundle } from "../../src/adapters/storage/oci/sigstore-bundle.ts";
import { publicKeyHint } from "../../src/adapters/signing/public-key-hint.ts";
import { signArtifact } from "../../src/app/signing-pass/sign-artifact.ts";
import { IN_TOTO_PAYLOAD_TYPE } from "../../src/domain/dsse/envelope.ts";
import { preAuthEncoding } from "../../src/domain/dsse/pae.ts";
import type { VerifiedLogEntry } from "../../src/domain/transparency/log-entry.ts";
import type { Signer } from "../../src/ports/signer.ts";
import { describeWithTools, opensslKey, opensslVerifies } from "../support/independent-verifiers.ts";
import { build, conformanceKey, keyOnlyVerifier } from "../signing/signing-fixtures.ts";

const statement = '{"_type":"https://in-toto.io/Statement/v0.1","subject":[{"name":"x","digest":{"sha256":"00"}}]}';

/** What the `oci` backend bundles: the DSSE envelope the signing pass made, with the signer's key. */
const bundleOf = async (signer: Signer, tlogEntry?: VerifiedLogEntry) => {
  const signed = await Effect.runPromise(
    signArtifact(
      { id: "taskrun:x", artifact: "taskrun", shortKey: "x", fullKey: "x", format: "slsa/v1", payload: statement, dsse: true, signer: "x509", storage: ["oci"] },
      signer,
    ),
  );
  const envelopeJson = new TextDecoder().decode(signed.signature);
  const bytes = Result.getOrThrow(dsseEnvelopeBundle({ envelopeJson, publicKeyPem: signer.publicKeyPem, certificatePem: "", ...(tlogEntry === undefined ? {} : { tlogEntry }) }));
  return { envelope: JSON.parse(envelopeJson) as { payload: string; signatures: ReadonlyArray<{ sig: string }> }, text: new TextDecoder().decode(bytes) };
};

const cosignSecrets = { "cosign.key": conformanceKey("cosign.key"), "cosign.password": conformanceKey("cosign.password") };

describe("sigstore bundles the oci backend writes, built with @sigstore/bundle and checked by @sigstore/verify", () => {
  it.each([
    ["x509.pem", { "x509.pem": conformanceKey("x509.pem") }],
    ["cosign.key", cosignSecrets],
  ])("a bundle of an envelope signed with the conformance %s verifies with its public key", async (_, secrets) => {
    const signer = await build(secrets);
    const { text } = await bundleOf(signer);
    const verified = keyOnlyVerifier(signer.publicKeyPem).verify(toSignedEntity(bundleFromJSON(JSON.parse(text))));
    expect(verified.key.export({ type: "spki", format: "pem" })).toBe(signer.publicKeyPem);
  });

  it("is byte for byte the protojson of storage.md §4: fields in proto order, the envelope as signed, no keyid", async () => {
    const signer = await build(cosignSecrets);
    const { envelope, text } = await bundleOf(signer);
    expect(signer.keyId).not.toBe("");
    expect(text).toBe(
      `{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","verificationMaterial":{"publicKey":{"hint":"${publicKeyHint(signer.publicKeyPem)}"}},` +
        `"dsseEnvelope":{"payload":"${envelope.payload}","payloadType":"${IN_TOTO_PAYLOAD_TYPE}","signatures":[{"sig":"${envelope.signatures[0]!.sig}"}]}}`,
    );
  });

  it("uses cosign's key hints (signing.md §4 reference vectors)", async () => {
    const x509 = await build({ "x509.pem": conformanceKey("x509.pem") });
    const cosign = await build(cosignSecrets);
    expect(publicKeyHint(x509.publicKeyPem)).toBe("G41J0QxyezE8kugQs+s85wyvgWNAL0Fkl2ZmFZKwCqk=");
    expect(publicKeyHint(cosign.publicKeyPem)).toBe("Z3VancEMVXUDysRpZ2J+wT/XrTqlEx6AZyZdQn5ZDOY=");
  });

  it("fails verification when the payload is tampered with, or with another key", async () => {
    const signer = await build({ "x509.pem": conformanceKey("x509.pem") });
    const json = JSON.parse((await bundleOf(signer)).text) as { dsseEnvelope: { payload: string } };
    const tampered = structuredClone(json);
    tampered.dsseEnvelope.payload = Buffer.from('{"_type":"evil"}').toString("base64");
    expect(() => keyOnlyVerifier(signer.publicKeyPem).verify(toSignedEntity(bundleFromJSON(tampered)))).toThrow();
    const other = await build(cosignSecrets);
    expect(() => keyOnlyVerifier(other.publicKeyPem).verify(toSignedEntity(bundleFromJSON(json)))).toThrow();
  });

  it("leaves zero-valued Rekor fields out, as cosign's protojson does, and @sigstore/bundle reads them back as zero", async () => {
    const signer = await build(cosignSecrets);
    const entry: VerifiedLogEntry = {
      uuid: "u",
      logIndex: 0,
      logId: "ab".repeat(32),
      integratedTime: 1_700_000_000,
      body: Buffer.from("{}").toString("base64"),
      kind: "dsse",
      signedEntryTimestamp: Buffer.from("set").toString("base64"),
      inclusionProof: { logIndex: 0, treeSize: 1, rootHash: "cd".repeat(32), hashes: [], checkpoint: "note\n" },
      url: "http://rekor/api/v1/log/entries?logIndex=0",
    };
    const json = JSON.parse((await bundleOf(signer, entry)).text) as { verificationMaterial: { tlogEntries: ReadonlyArray<Record<string, unknown>> } };
    const written = json.verificationMaterial.tlogEntries[0]!;
    expect(Object.keys(written)).toEqual(["logId", "kindVersion", "integratedTime", "inclusionPromise", "inclusionProof", "canonicalizedBody"]);
    expect(Object.keys(written["inclusionProof"] as object)).toEqual(["rootHash", "treeSize", "checkpoint"]);
    const read = bundleFromJSON(json).verificationMaterial.tlogEntries[0]!;
    expect(read.logIndex).toBe("0");
    expect(read.inclusionProof?.hashes).toEqual([]);
    expect(Buffer.from(read.canonicalizedBody).toString()).toBe("{}");
  });
});

describeWithTools("openssl")("bundle signatures checked by openssl too", () => {
  it("an Ed25519 x509.pem bundle verifies with @sigstore/verify and its signature covers the PAE", async () => {
    const signer = await build({ "x509.pem": opensslKey(["-algorithm", "ed25519"]) });
    const json = JSON.parse((await bundleOf(signer)).text) as { dsseEnvelope: { signatures: ReadonlyArray<{ sig: string }> } };
    keyOnlyVerifier(signer.publicKeyPem).verify(toSignedEntity(bundleFromJSON(json)));
    const signature = Buffer.from(json.dsseEnvelope.signatures[0]!.sig, "base64");
    const pae = preAuthEncoding(IN_TOTO_PAYLOAD_TYPE, new TextEncoder().encode(statement));
    expect(opensslVerifies({ publicKeyPem: signer.publicKeyPem, scheme: "ed25519", data: pae, signature })).toBe(true);
  });
});
