import { bundleFromJSON } from "@sigstore/bundle";
import { toSignedEntity } from "@sigstore/verify";
import { Effect } from "effect";
import { describe, expect, it } from "vitest";
import { publicKeyHint } from "../../src/adapters/signing/public-key-hint.ts";
import { sigstoreDsseBundle } from "../../src/adapters/signing/sigstore-bundle.ts";
import { IN_TOTO_PAYLOAD_TYPE } from "../../src/domain/dsse/envelope.ts";
import { preAuthEncoding } from "../../src/domain/dsse/pae.ts";
import { SigningFailed, type Signer } from "../../src/ports/signer.ts";
import { describeWithTools, opensslKey, opensslVerifies } from "../support/independent-verifiers.ts";
import { build, bytes, conformanceKey, keyOnlyVerifier } from "./signing-fixtures.ts";

const statement = bytes('{"_type":"https://in-toto.io/Statement/v0.1","subject":[{"name":"x","digest":{"sha256":"00"}}]}');

const bundleOf = (signer: Signer, payload = statement) => Effect.runPromise(sigstoreDsseBundle({ signer, payload }));

describe("Sigstore bundles of DSSE envelopes, checked by @sigstore/verify", () => {
  it.each([
    ["x509.pem", { "x509.pem": conformanceKey("x509.pem") }],
    ["cosign.key", { "cosign.key": conformanceKey("cosign.key"), "cosign.password": conformanceKey("cosign.password") }],
  ])("a bundle signed with the conformance %s verifies with its public key", async (_, secrets) => {
    const signer = await build(secrets);
    const json = await bundleOf(signer);
    expect(json.mediaType).toBe("application/vnd.dev.sigstore.bundle.v0.3+json");
    expect(json.dsseEnvelope?.payloadType).toBe(IN_TOTO_PAYLOAD_TYPE);
    expect(Buffer.from(json.dsseEnvelope?.payload ?? "", "base64").equals(Buffer.from(statement))).toBe(true);
    const verified = keyOnlyVerifier(signer.publicKeyPem).verify(toSignedEntity(bundleFromJSON(json)));
    expect(verified.key.export({ type: "spki", format: "pem" })).toBe(signer.publicKeyPem);
  });

  it("uses cosign's key hints (signing.md §4 reference vectors)", async () => {
    const x509 = await build({ "x509.pem": conformanceKey("x509.pem") });
    const cosign = await build({ "cosign.key": conformanceKey("cosign.key"), "cosign.password": conformanceKey("cosign.password") });
    expect(publicKeyHint(x509.publicKeyPem)).toBe("G41J0QxyezE8kugQs+s85wyvgWNAL0Fkl2ZmFZKwCqk=");
    expect(publicKeyHint(cosign.publicKeyPem)).toBe("Z3VancEMVXUDysRpZ2J+wT/XrTqlEx6AZyZdQn5ZDOY=");
    const json = await bundleOf(cosign);
    expect(json.verificationMaterial.publicKey?.hint).toBe("Z3VancEMVXUDysRpZ2J+wT/XrTqlEx6AZyZdQn5ZDOY=");
  });

  it("fails verification when the payload is tampered with, or with another key", async () => {
    const signer = await build({ "x509.pem": conformanceKey("x509.pem") });
    const json = await bundleOf(signer);
    const tampered = structuredClone(json);
    if (tampered.dsseEnvelope === undefined) throw new Error("no envelope");
    tampered.dsseEnvelope.payload = Buffer.from('{"_type":"evil"}').toString("base64");
    expect(() => keyOnlyVerifier(signer.publicKeyPem).verify(toSignedEntity(bundleFromJSON(tampered)))).toThrow();
    const other = await build({ "cosign.key": conformanceKey("cosign.key"), "cosign.password": conformanceKey("cosign.password") });
    expect(() => keyOnlyVerifier(other.publicKeyPem).verify(toSignedEntity(bundleFromJSON(json)))).toThrow();
  });

  it("passes our signer's typed failure through", async () => {
    const failing: Signer = {
      scheme: "ecdsa-sha256",
      publicKeyPem: Buffer.from(conformanceKey("cosign.pub")).toString("utf8"),
      keyId: "",
      certificatePem: "",
      chainPem: "",
      sign: () => Effect.fail(new SigningFailed({ signer: "kms", reason: "KMS unreachable" })),
    };
    const error = await Effect.runPromise(Effect.flip(sigstoreDsseBundle({ signer: failing, payload: statement })));
    expect(error).toMatchObject({ _tag: "SigningFailed", signer: "kms", reason: "KMS unreachable" });
  });
});

describeWithTools("openssl")("bundle signatures checked by openssl too", () => {
  it("an Ed25519 x509.pem bundle verifies with @sigstore/verify and its signature covers the PAE", async () => {
    const signer = await build({ "x509.pem": opensslKey(["-algorithm", "ed25519"]) });
    const json = await bundleOf(signer);
    keyOnlyVerifier(signer.publicKeyPem).verify(toSignedEntity(bundleFromJSON(json)));
    const signature = Buffer.from(json.dsseEnvelope?.signatures[0]?.sig ?? "", "base64");
    const pae = preAuthEncoding(IN_TOTO_PAYLOAD_TYPE, statement);
    expect(opensslVerifies({ publicKeyPem: signer.publicKeyPem, scheme: "ed25519", data: pae, signature })).toBe(true);
  });
});
