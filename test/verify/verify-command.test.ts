import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Effect } from "effect";
import { afterAll, describe, expect, it } from "vitest";
import { stringify as toYaml } from "yaml";
import { encryptCosignPrivateKey, SCRYPT_LEGACY } from "../../src/adapters/signing/keys/cosign-encrypted-key.ts";
import { verifyCommand } from "../../src/app/cli/verify-command.ts";
import { IN_TOTO_PAYLOAD_TYPE, serializeEnvelope } from "../../src/domain/dsse/envelope.ts";
import { preAuthEncoding } from "../../src/domain/dsse/pae.ts";
import type { Signer } from "../../src/ports/signer.ts";
import { startKubeApiEmulator } from "../support/kube-api-emulator/index.ts";
import { runCommand } from "../support/command-output.ts";
import { describeWithTools, openssl, opensslKey, opensslPkcs8Der, opensslPublicKey } from "../support/independent-verifiers.ts";
import { build, bytes, conformanceKey, signWith } from "../signing/signing-fixtures.ts";

const dir = mkdtempSync(join(tmpdir(), "chains-verify-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let files = 0;
const writeTemp = (content: string | Uint8Array, ext = ".json"): string => {
  const path = join(dir, `f${files++}${ext}`);
  writeFileSync(path, content);
  return path;
};

const verify = (...args: ReadonlyArray<string>) => runCommand(verifyCommand, args);

const b64 = (data: Uint8Array | string) => Buffer.from(data).toString("base64");
const uid = "57e7ef8e-13fb-4d27-af6e-dc4d68f73cc4";
const statement = bytes('{"_type":"https://in-toto.io/Statement/v0.1","predicateType":"https://slsa.dev/provenance/v0.2","subject":[]}');
const simpleSigning = bytes('{"critical":{"identity":{"docker-reference":"gcr.io/foo/bar"},"image":{"docker-manifest-digest":"sha256:20ab676d319c0000"},"type":"cosign container image signature"},"optional":null}');

const dsseEnvelopeOf = async (signer: Signer, payload = statement) =>
  serializeEnvelope({
    payloadType: IN_TOTO_PAYLOAD_TYPE,
    payload,
    signatures: [{ keyid: signer.keyId, sig: await signWith(signer, preAuthEncoding(IN_TOTO_PAYLOAD_TYPE, payload)) }],
  });

/** A TaskRun as Chains' tekton backend annotates it: run provenance as DSSE, an image as a raw signature. */
const annotatedRun = async (signer: Signer) => ({
  apiVersion: "tekton.dev/v1",
  kind: "TaskRun",
  metadata: {
    name: "build",
    namespace: "default",
    uid,
    annotations: {
      "chains.tekton.dev/signed": "true",
      [`chains.tekton.dev/payload-taskrun-${uid}`]: b64(statement),
      [`chains.tekton.dev/signature-taskrun-${uid}`]: b64(await dsseEnvelopeOf(signer)),
      [`chains.tekton.dev/cert-taskrun-${uid}`]: "",
      [`chains.tekton.dev/chain-taskrun-${uid}`]: "",
      "chains.tekton.dev/payload-20ab676d319c": b64(simpleSigning),
      "chains.tekton.dev/signature-20ab676d319c": b64(await signWith(signer, simpleSigning)),
    } as Record<string, string>,
  },
});

const cosignSigner = () => build({ "cosign.key": conformanceKey("cosign.key"), "cosign.password": conformanceKey("cosign.password") });
const cosignPub = writeTemp(conformanceKey("cosign.pub"), ".pub");

describe("chains-ts verify", () => {
  it("passes on a run signed with the real cosign key, reporting each signature", async () => {
    const run = writeTemp(JSON.stringify(await annotatedRun(await cosignSigner())));
    const result = await verify("--key", cosignPub, run);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`taskrun-${uid}: DSSE envelope (application/vnd.in-toto+json), ecdsa-sha256 signature by SHA256:yYS4pD9tqWXZw5+maNJ3gWm9HyoAB0qH0ef0FkIWfYs`);
    expect(result.stdout).toContain("20ab676d319c: raw ecdsa-sha256 signature over the payload");
    expect(result.stdout.trim().split("\n")).toHaveLength(2);
  });

  it("reads YAML (kubectl -o yaml) and Lists", async () => {
    const run = await annotatedRun(await cosignSigner());
    expect((await verify("--key", cosignPub, writeTemp(toYaml(run), ".yaml"))).code).toBe(0);
    const list = { apiVersion: "v1", kind: "List", items: [run, run] };
    const result = await verify("--key", cosignPub, writeTemp(toYaml(list), ".yaml"));
    expect(result.code).toBe(0);
    expect(result.stdout.trim().split("\n")).toHaveLength(4);
  });

  describe("fails with a clear message", () => {
    const tamper = async (edit: (annotations: Record<string, string>) => void) => {
      const run = await annotatedRun(await cosignSigner());
      edit(run.metadata.annotations);
      return verify("--key", cosignPub, writeTemp(JSON.stringify(run)));
    };

    it("on a payload annotation that differs from the signed envelope", async () => {
      const result = await tamper((a) => {
        a[`chains.tekton.dev/payload-taskrun-${uid}`] = b64('{"_type":"evil"}');
      });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`FAILED TaskRun default/build taskrun-${uid}: the DSSE envelope's payload differs from the payload annotation`);
      expect(result.stderr).toContain("1 of 2 signatures failed");
      expect(result.stdout).toContain("20ab676d319c");
    });

    it("on an envelope whose payload was replaced along with the annotation", async () => {
      const result = await tamper((a) => {
        const evil = bytes('{"_type":"evil"}');
        const envelope = JSON.parse(Buffer.from(a[`chains.tekton.dev/signature-taskrun-${uid}`] ?? "", "base64").toString()) as { payload: string };
        envelope.payload = b64(evil);
        a[`chains.tekton.dev/signature-taskrun-${uid}`] = b64(JSON.stringify(envelope));
        a[`chains.tekton.dev/payload-taskrun-${uid}`] = b64(evil);
      });
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/taskrun-.*the DSSE envelope signature does not verify/);
    });

    it("on a tampered DSSE signature", async () => {
      const result = await tamper((a) => {
        const envelope = JSON.parse(Buffer.from(a[`chains.tekton.dev/signature-taskrun-${uid}`] ?? "", "base64").toString()) as {
          signatures: Array<{ sig: string }>;
        };
        const sig = Buffer.from(envelope.signatures[0]?.sig ?? "", "base64");
        sig[sig.length - 3] = (sig[sig.length - 3] ?? 0) ^ 0x40;
        envelope.signatures[0]!.sig = sig.toString("base64");
        a[`chains.tekton.dev/signature-taskrun-${uid}`] = b64(JSON.stringify(envelope));
      });
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/does not verify/);
    });

    it("on a tampered simplesigning payload", async () => {
      const result = await tamper((a) => {
        a["chains.tekton.dev/payload-20ab676d319c"] = b64(Buffer.from(simpleSigning).toString().replace("foo", "fo0"));
      });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain("20ab676d319c: the signature does not verify over the payload");
    });

    it("on a signature without its payload annotation", async () => {
      const result = await tamper((a) => {
        delete a["chains.tekton.dev/payload-20ab676d319c"];
      });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain("20ab676d319c: no matching payload annotation");
    });

    it("with another key, skipping envelope signatures whose keyid is not the key's", async () => {
      const run = writeTemp(JSON.stringify(await annotatedRun(await cosignSigner())));
      const otherKey = writeTemp((await build({ "x509.pem": conformanceKey("x509.pem") })).publicKeyPem, ".pub");
      const result = await verify("--key", otherKey, run);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain("no envelope signature is by SHA256:DCJQ6D0mrGAUh84xDokyRUNSNkEOa6fyv29g0Y9hFi0 (keyids: SHA256:yYS4pD9tqWXZw5+maNJ3gWm9HyoAB0qH0ef0FkIWfYs)");
      expect(result.stderr).toContain("2 of 2 signatures failed");
    });

    it("when there is nothing to verify", async () => {
      const result = await verify("--key", cosignPub, writeTemp(JSON.stringify({ kind: "TaskRun", metadata: { name: "x", annotations: { "chains.tekton.dev/signed": "true" } } })));
      expect(result.code).toBe(1);
      expect(result.stderr).toContain("nothing to verify");
    });
  });

  describe("usage errors exit 2", () => {
    it.each([
      [["run.json"], /--key is required, or --certificate-identity and --certificate-oidc-issuer/],
      [["--key", "k8s://tekton-chains", "run.json"], /expected k8s:\/\/NAMESPACE\/SECRET/],
      [["--key", "/nonexistent.pub", "run.json"], /cannot read \/nonexistent.pub/],
      [["--key", cosignPub], /expected exactly one RUN-FILE/],
      [["--bogus"], /unknown option --bogus/],
    ])("%j", async (args, message) => {
      const result = await verify(...args);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(message);
    });

    it("a private key passed as --key", async () => {
      const result = await verify("--key", writeTemp(conformanceKey("x509.pem"), ".pem"), writeTemp("{}"));
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/not a PEM public key/);
    });
  });

  it("has help text covering its options", () => {
    expect(verifyCommand.help).toMatch(/--key PUBLIC-KEY/);
    expect(verifyCommand.help).toMatch(/k8s:\/\//);
    expect(verifyCommand.help).toMatch(/Exit status/);
  });
});

describeWithTools("openssl")("chains-ts verify with openssl-made keys and signatures", () => {
  it("accepts Ed25519ph envelopes from an Ed25519 cosign.key and pure Ed25519 from x509.pem", async () => {
    const privatePem = opensslKey(["-algorithm", "ed25519"]);
    const cosignKey = await Effect.runPromise(encryptCosignPrivateKey({ pkcs8: opensslPkcs8Der(privatePem), password: bytes("pw"), scrypt: SCRYPT_LEGACY }));
    const signers = [await build({ "x509.pem": privatePem }), await build({ "cosign.key": cosignKey, "cosign.password": "pw" })];
    expect(signers.map((s) => s.scheme)).toEqual(["ed25519", "ed25519ph"]);
    const key = writeTemp(opensslPublicKey(privatePem), ".pub");
    for (const signer of signers) {
      const result = await verify("--key", key, writeTemp(JSON.stringify(await annotatedRun(signer))));
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(`DSSE envelope (application/vnd.in-toto+json), ${signer.scheme} signature`);
      expect(result.stdout).toContain(`raw ${signer.scheme} signature`);
    }
  });

  it("a DSSE envelope whose signature openssl made over the PAE with x509.pem", async () => {
    const x509 = writeTemp(conformanceKey("x509.pem"), ".pem");
    const pae = preAuthEncoding(IN_TOTO_PAYLOAD_TYPE, statement);
    const sig = new Uint8Array(openssl(["dgst", "-sha256", "-sign", x509, writeTemp(pae, ".bin")]));
    const envelope = serializeEnvelope({ payloadType: IN_TOTO_PAYLOAD_TYPE, payload: statement, signatures: [{ keyid: "", sig }] });
    const run = writeTemp(
      JSON.stringify({
        kind: "TaskRun",
        metadata: { name: "r", annotations: { "chains.tekton.dev/payload-taskrun-1": b64(statement), "chains.tekton.dev/signature-taskrun-1": b64(envelope) } },
      }),
    );
    const pub = writeTemp(openssl(["pkey", "-pubout", "-in", x509]), ".pub");
    const result = await verify("--key", pub, run);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
  });
});

describe("keys kept in a Secret (k8s://NAMESPACE/SECRET)", () => {
  it("reads cosign.pub from the Secret through --kubeconfig, and says what is missing", async () => {
    const emu = await startKubeApiEmulator();
    try {
      const kubeconfig = await emu.writeKubeconfig(dir);
      emu.store.seed({
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: "signing-secrets", namespace: "tekton-chains" },
        data: { "cosign.pub": b64(conformanceKey("cosign.pub")) },
      });
      const run = writeTemp(JSON.stringify(await annotatedRun(await cosignSigner())));
      const good = await verify("--key", "k8s://tekton-chains/signing-secrets", "--kubeconfig", kubeconfig, run);
      expect(good.code).toBe(0);
      expect(good.stdout).toMatch(/verified/);
      const missing = await verify("--key", "k8s://tekton-chains/other", "--kubeconfig", kubeconfig, run);
      expect(missing.code).toBe(2);
      expect(missing.stderr).toMatch(/no Secret other in namespace tekton-chains/);
    } finally {
      await emu.stop();
    }
  });
});
