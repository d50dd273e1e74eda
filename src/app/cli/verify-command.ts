import { createPublicKey, type KeyObject } from "node:crypto";
import { readFile } from "node:fs/promises";
import { verifySignature } from "../../adapters/signing/signature-check.ts";
import { sshKeyFingerprint } from "../../adapters/signing/ssh-key-fingerprint.ts";
import { CHAINS_PREFIX, payloadAnnotation } from "../../domain/annotations/chains-annotations.ts";
import { decodeStdBase64 } from "../../domain/dsse/base64.ts";
import { isJsonObject as isRecord } from "../../domain/oci/json-object.ts";
import type { DsseEnvelope } from "../../domain/dsse/envelope.ts";
import { classifyStoredSignature } from "../../domain/dsse/stored-signature.ts";
import { preAuthEncoding } from "../../domain/dsse/pae.ts";
import { KubeConfigUnusable } from "../../adapters/kubernetes/kube-config.ts";
import { readSecretPublicKey, SecretKeyUnavailable } from "../../adapters/kubernetes/secret-public-key.ts";
import type { CliCommand } from "./command.ts";
import { parseCommandLine } from "./command-line.ts";
import { readDocument } from "./read-document.ts";
import { UsageError } from "./usage-error.ts";

const help = `Usage: chains-ts verify --key PUBLIC-KEY [--kubeconfig PATH] RUN-FILE

Checks, offline, the signatures Tekton Chains stored on a run's annotations (the 'tekton'
storage backend): every pair chains.tekton.dev/payload-<key> / chains.tekton.dev/signature-<key>.

RUN-FILE is a TaskRun or PipelineRun as JSON or YAML (e.g. 'kubectl get taskrun X -o yaml'), or
a List of them ('kubectl get taskruns -o yaml'); every object's annotations are checked.

For each pair:
  - a DSSE envelope (in-toto / SLSA provenance): the signature must verify over the DSSE PAE of
    the envelope's payload, and that payload must equal the payload annotation byte for byte.
    Envelope signatures whose non-empty keyid differs from the key's OpenSSH fingerprint are
    skipped, as cosign does.
  - otherwise a raw signature (simplesigning for OCI images) over the payload bytes.
Accepted signatures: ECDSA (SHA-256, or the curve's hash as cosign keys sign), RSA PKCS#1 v1.5
SHA-256, Ed25519 and Ed25519ph. PGP signatures are not checked here: use 'gpg --verify'.
Certificates in chains.tekton.dev/cert-<key> (keyless signing) are not checked.

Options:
  --key PUBLIC-KEY  PEM public key ('-----BEGIN PUBLIC KEY-----', e.g. cosign.pub), or
                    k8s://NAMESPACE/SECRET for that Secret's cosign.pub, as cosign names it
                    (e.g. k8s://tekton-chains/signing-secrets)
  --kubeconfig PATH for k8s:// keys: the cluster to read the Secret from (default: $KUBECONFIG,
                    the pod's service account, or ~/.kube/config)
  -h, --help        Show this help.

Output: one line per verified signature on stdout; one line per failure on stderr.
Exit status: 0 when every signature verifies, 1 when any fails or there is nothing to verify,
2 on a usage or input error.`;

interface Arguments {
  readonly key: string;
  readonly kubeconfig: string | undefined;
  readonly runFile: string;
}

const parseArguments = (argv: ReadonlyArray<string>): Arguments => {
  let key: string | undefined;
  let kubeconfig: string | undefined;
  const positional = parseCommandLine(argv, ["--key", "--kubeconfig"], (flag, value) => {
    if (value === "") throw new UsageError(`${flag} needs a value`);
    if (flag === "--kubeconfig") {
      kubeconfig = value;
      return;
    }
    if (key !== undefined) throw new UsageError("--key given more than once");
    key = value;
  });
  if (key === undefined) throw new UsageError("--key is required");
  if (positional.length !== 1) throw new UsageError(`expected exactly one RUN-FILE, got ${positional.length}`);
  return { key, kubeconfig, runFile: positional[0]! };
};

const loadKey = async (ref: string, kubeconfig: string | undefined): Promise<KeyObject> => {
  let pem: string;
  try {
    pem = ref.startsWith("k8s://") ? await readSecretPublicKey(ref, kubeconfig) : await readFile(ref, "utf8");
  } catch (error) {
    throw new UsageError(error instanceof SecretKeyUnavailable || error instanceof KubeConfigUnusable
      ? error.message
      : `cannot read ${ref}: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!pem.includes("-----BEGIN PUBLIC KEY-----")) throw new UsageError(`${ref}: not a PEM public key (-----BEGIN PUBLIC KEY-----)`);
  try {
    return createPublicKey(pem);
  } catch (error) {
    throw new UsageError(`${ref}: not a valid public key: ${error instanceof Error ? error.message : String(error)}`);
  }
};

type Outcome = { readonly ok: true; readonly what: string } | { readonly ok: false; readonly why: string };

const describeKey = (keyId: string): string => (keyId === "" ? "the key" : keyId);

const checkEnvelope = (key: KeyObject, keyId: string, envelope: DsseEnvelope, payload: Uint8Array): Outcome => {
  if (!Buffer.from(envelope.payload).equals(Buffer.from(payload)))
    return { ok: false, why: "the DSSE envelope's payload differs from the payload annotation" };
  if (envelope.signatures.length === 0) return { ok: false, why: "the DSSE envelope has no signatures" };
  const pae = preAuthEncoding(envelope.payloadType, envelope.payload);
  const candidates = envelope.signatures.filter((s) => s.keyid === "" || keyId === "" || s.keyid === keyId);
  if (candidates.length === 0)
    return {
      ok: false,
      why: `no envelope signature is by ${describeKey(keyId)} (keyids: ${envelope.signatures.map((s) => s.keyid).join(", ")})`,
    };
  for (const signature of candidates) {
    const scheme = verifySignature(key, pae, signature.sig);
    if (scheme !== undefined)
      return { ok: true, what: `DSSE envelope (${envelope.payloadType}), ${scheme} signature by ${describeKey(keyId)}` };
  }
  return { ok: false, why: `the DSSE envelope signature does not verify with ${describeKey(keyId)} (tampered payload or signature, or another key)` };
};

const checkPair = (key: KeyObject, keyId: string, payloadText: string | undefined, signatureText: string): Outcome => {
  if (payloadText === undefined) return { ok: false, why: "no matching payload annotation" };
  const payload = decodeStdBase64(payloadText);
  if (payload === undefined) return { ok: false, why: "the payload annotation is not base64" };
  const signature = decodeStdBase64(signatureText);
  if (signature === undefined) return { ok: false, why: "the signature annotation is not base64" };
  const stored = classifyStoredSignature(signature);
  if (stored._tag === "Unsigned") return { ok: false, why: "the signature annotation is empty (stored unsigned)" };
  if (stored._tag === "Pgp") return { ok: false, why: "a PGP signature: check it with gpg --verify, not with this command" };
  if (stored._tag === "Envelope") return checkEnvelope(key, keyId, stored.envelope, payload);
  const scheme = verifySignature(key, payload, signature);
  return scheme !== undefined
    ? { ok: true, what: `raw ${scheme} signature over the payload by ${describeKey(keyId)}` }
    : { ok: false, why: `the signature does not verify over the payload with ${describeKey(keyId)} (tampered payload or signature, or another key)` };
};

const objectsIn = (document: unknown): ReadonlyArray<Readonly<Record<string, unknown>>> =>
  isRecord(document) && Array.isArray(document["items"]) ? document["items"].filter(isRecord) : isRecord(document) ? [document] : [];

const nameOf = (object: Readonly<Record<string, unknown>>): string => {
  const metadata = isRecord(object["metadata"]) ? object["metadata"] : {};
  const kind = typeof object["kind"] === "string" ? object["kind"] : "object";
  const name = typeof metadata["name"] === "string" ? metadata["name"] : "(unnamed)";
  return typeof metadata["namespace"] === "string" ? `${kind} ${metadata["namespace"]}/${name}` : `${kind} ${name}`;
};

const signaturePrefix = `${CHAINS_PREFIX}signature-`;

const run = async (argv: ReadonlyArray<string>): Promise<number> => {
  const args = parseArguments(argv);
  const key = await loadKey(args.key, args.kubeconfig);
  const keyId = sshKeyFingerprint(key) ?? "";
  const objects = objectsIn(await readDocument(args.runFile));
  if (objects.length === 0) throw new UsageError(`${args.runFile}: expected a TaskRun, a PipelineRun or a List of them`);
  let verified = 0;
  let failed = 0;
  for (const object of objects) {
    const metadata = isRecord(object["metadata"]) ? object["metadata"] : {};
    const annotations = isRecord(metadata["annotations"]) ? metadata["annotations"] : {};
    for (const [name, value] of Object.entries(annotations)) {
      if (!name.startsWith(signaturePrefix) || typeof value !== "string") continue;
      const shortKey = name.slice(signaturePrefix.length);
      const payload = annotations[payloadAnnotation(shortKey)];
      const outcome = checkPair(key, keyId, typeof payload === "string" ? payload : undefined, value);
      if (outcome.ok) {
        verified++;
        process.stdout.write(`verified ${nameOf(object)} ${shortKey}: ${outcome.what}\n`);
      } else {
        failed++;
        process.stderr.write(`chains-ts verify: FAILED ${nameOf(object)} ${shortKey}: ${outcome.why}\n`);
      }
    }
  }
  if (verified + failed === 0) {
    process.stderr.write(`chains-ts verify: nothing to verify: ${args.runFile} has no ${signaturePrefix}<key> annotations\n`);
    return 1;
  }
  if (failed > 0) {
    process.stderr.write(`chains-ts verify: ${failed} of ${verified + failed} signatures failed\n`);
    return 1;
  }
  return 0;
};

export const verifyCommand: CliCommand = {
  name: "verify",
  summary: "Check the Chains signatures stored in a run's annotations against a public key",
  help,
  run,
};
