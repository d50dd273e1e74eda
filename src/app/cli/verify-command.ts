import { createPublicKey, type KeyObject } from "node:crypto";
import { readFile } from "node:fs/promises";
import { Effect, Result } from "effect";
import { certificateBlocks } from "../../adapters/signing/fulcio/fulcio-client.ts";
import { apiRoot } from "../../adapters/rekor/rekor-transparency-log.ts";
import { verifySignature } from "../../adapters/signing/signature-check.ts";
import { sshKeyFingerprint } from "../../adapters/signing/keys/ssh-key-fingerprint.ts";
import { certAnnotation, chainAnnotation, CHAINS_PREFIX, payloadAnnotation } from "../../domain/annotations/chains-annotations.ts";
import { defaultChainsConfig } from "../../domain/config/parse-chains-config.ts";
import { decodeStdBase64 } from "../../domain/dsse/base64.ts";
import { isJsonObject as isRecord } from "../../domain/oci/json-object.ts";
import type { DsseEnvelope } from "../../domain/dsse/envelope.ts";
import { classifyStoredSignature } from "../../domain/dsse/stored-signature.ts";
import { preAuthEncoding } from "../../domain/dsse/pae.ts";
import type { SigstoreTrustedRoot, TrustedCertificateAuthority } from "../../ports/sigstore-trust.ts";
import type { TransparencyUpload } from "../../ports/transparency-log.ts";
import type { ClusterRuns } from "../../adapters/kubernetes/cluster-runs.ts";
import { type CertificateIdentityPolicy, identityMismatch, identityPolicy } from "./certificate-identity-policy.ts";
import type { CliCommand } from "./command.ts";
import { verifyHelp } from "./verify-command-help.ts";
import { parseCommandLine } from "./command-line.ts";
import { readDocument } from "./read-document.ts";
import { parseRunArgument } from "./run-argument.ts";
import { checkTransparencyEntry, namedEntry } from "./transparency-entry-check.ts";
import { UsageError } from "./usage-error.ts";


interface Arguments {
  readonly key: string | undefined;
  readonly kubeconfig: string | undefined;
  readonly namespace: string | undefined;
  readonly policy: CertificateIdentityPolicy | undefined;
  readonly caRoots: string | undefined;
  readonly rekorUrl: string | undefined;
  readonly trustedRoot: string | undefined;
  readonly requireTlog: boolean;
  readonly ignoreTlog: boolean;
  readonly ignoreSct: boolean;
  readonly runFile: string;
}

const valueFlags = [
  "--key",
  "-n",
  "--namespace",
  "--kubeconfig",
  "--certificate-identity",
  "--certificate-identity-regexp",
  "--certificate-oidc-issuer",
  "--certificate-oidc-issuer-regexp",
  "--ca-roots",
  "--rekor-url",
  "--trusted-root",
] as const;

const parseArguments = (argv: ReadonlyArray<string>): Arguments => {
  const values = new Map<string, string>();
  const switches = { requireTlog: false, ignoreTlog: false, ignoreSct: false };
  const positional = parseCommandLine(
    argv,
    valueFlags,
    (flag, value) => {
      const key = flag === "-n" ? "--namespace" : flag;
      if (value === "") throw new UsageError(`${flag} needs a value`);
      if (values.has(key)) throw new UsageError(`${flag} given more than once`);
      values.set(key, value);
    },
    {
      "--require-tlog": () => (switches.requireTlog = true),
      "--insecure-ignore-tlog": () => (switches.ignoreTlog = true),
      "--insecure-ignore-sct": () => (switches.ignoreSct = true),
    },
  );
  const policy = identityPolicy({
    identity: values.get("--certificate-identity"),
    identityRegexp: values.get("--certificate-identity-regexp"),
    issuer: values.get("--certificate-oidc-issuer"),
    issuerRegexp: values.get("--certificate-oidc-issuer-regexp"),
  });
  const key = values.get("--key");
  if (key === undefined && policy === undefined)
    throw new UsageError("--key is required, or --certificate-identity and --certificate-oidc-issuer for keyless signatures");
  if (switches.requireTlog && switches.ignoreTlog) throw new UsageError("--require-tlog and --insecure-ignore-tlog contradict each other");
  const rekorUrl = values.get("--rekor-url");
  if (rekorUrl !== undefined && apiRoot(rekorUrl) === undefined) throw new UsageError(`--rekor-url ${rekorUrl}: not an http(s) URL`);
  if (positional.length !== 1) throw new UsageError(`expected exactly one RUN-FILE (or taskrun/NAME), got ${positional.length}`);
  return {
    key,
    kubeconfig: values.get("--kubeconfig"),
    namespace: values.get("--namespace"),
    policy,
    caRoots: values.get("--ca-roots"),
    rekorUrl,
    trustedRoot: values.get("--trusted-root"),
    ...switches,
    runFile: positional[0]!,
  };
};

const readKeyPem = async (ref: string, kubeconfig: string | undefined): Promise<string> => {
  // The Kubernetes client (a large library) is loaded only for a key held in a Secret.
  const kubernetes = ref.startsWith("k8s://")
    ? await Promise.all([import("../../adapters/kubernetes/secret-public-key.ts"), import("../../adapters/kubernetes/kube-config.ts")])
    : undefined;
  try {
    return kubernetes === undefined ? await readFile(ref, "utf8") : await kubernetes[0].readSecretPublicKey(ref, kubeconfig);
  } catch (error) {
    throw new UsageError(kubernetes !== undefined && (error instanceof kubernetes[0].SecretKeyUnavailable || error instanceof kubernetes[1].KubeConfigUnusable)
      ? error.message
      : `cannot read ${ref}: ${error instanceof Error ? error.message : String(error)}`);
  }
};

const loadKey = async (ref: string, kubeconfig: string | undefined): Promise<KeyObject> => {
  const pem = await readKeyPem(ref, kubeconfig);
  if (!pem.includes("-----BEGIN PUBLIC KEY-----")) throw new UsageError(`${ref}: not a PEM public key (-----BEGIN PUBLIC KEY-----)`);
  try {
    return createPublicKey(pem);
  } catch (error) {
    throw new UsageError(`${ref}: not a valid public key: ${error instanceof Error ? error.message : String(error)}`);
  }
};

/** `--ca-roots`: one trusted CA made of every certificate in the file. */
const loadCaRoots = async (path: string): Promise<TrustedCertificateAuthority> => {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new UsageError(`--ca-roots: cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const certificatesPem = certificateBlocks(text);
  if (certificatesPem.length === 0) throw new UsageError(`--ca-roots ${path}: no PEM certificate (-----BEGIN CERTIFICATE-----)`);
  return { uri: `--ca-roots ${path}`, certificatesPem };
};

type Failure = { readonly ok: false; readonly why: string };
type Outcome = { readonly ok: true; readonly what: string } | Failure;

/** Who signed, for the envelope keyid filter and for reports. */
interface SigningKey {
  readonly key: KeyObject;
  /** The key's OpenSSH fingerprint, or "" to accept any envelope keyid. */
  readonly keyId: string;
  readonly label: string;
}

/** A signature that verified, as the controller would have logged it. */
type Signed = { readonly ok: true; readonly what: string; readonly payload: Uint8Array; readonly signature: Uint8Array; readonly dsse: boolean };

const checkEnvelope = (signer: SigningKey, envelope: DsseEnvelope, payload: Uint8Array): Outcome => {
  if (!Buffer.from(envelope.payload).equals(Buffer.from(payload)))
    return { ok: false, why: "the DSSE envelope's payload differs from the payload annotation" };
  if (envelope.signatures.length === 0) return { ok: false, why: "the DSSE envelope has no signatures" };
  const pae = preAuthEncoding(envelope.payloadType, envelope.payload);
  const candidates = envelope.signatures.filter((s) => s.keyid === "" || signer.keyId === "" || s.keyid === signer.keyId);
  if (candidates.length === 0)
    return {
      ok: false,
      why: `no envelope signature is by ${signer.label} (keyids: ${envelope.signatures.map((s) => s.keyid).join(", ")})`,
    };
  for (const signature of candidates) {
    const scheme = verifySignature(signer.key, pae, signature.sig);
    if (scheme !== undefined) return { ok: true, what: `DSSE envelope (${envelope.payloadType}), ${scheme} signature by ${signer.label}` };
  }
  return { ok: false, why: `the DSSE envelope signature does not verify with ${signer.label} (tampered payload or signature, or another key)` };
};

const checkPair = (signer: SigningKey, payloadText: string | undefined, signatureText: string): Signed | Failure => {
  if (payloadText === undefined) return { ok: false, why: "no matching payload annotation" };
  const payload = decodeStdBase64(payloadText);
  if (payload === undefined) return { ok: false, why: "the payload annotation is not base64" };
  const signature = decodeStdBase64(signatureText);
  if (signature === undefined) return { ok: false, why: "the signature annotation is not base64" };
  const stored = classifyStoredSignature(signature);
  if (stored._tag === "Unsigned") return { ok: false, why: "the signature annotation is empty (stored unsigned)" };
  if (stored._tag === "Pgp") return { ok: false, why: "a PGP signature: check it with gpg --verify, not with this command" };
  if (stored._tag === "Envelope") {
    const outcome = checkEnvelope(signer, stored.envelope, payload);
    return outcome.ok ? { ...outcome, payload: signature, signature, dsse: true } : outcome;
  }
  const scheme = verifySignature(signer.key, payload, signature);
  return scheme !== undefined
    ? { ok: true, what: `raw ${scheme} signature over the payload by ${signer.label}`, payload, signature, dsse: false }
    : { ok: false, why: `the signature does not verify over the payload with ${signer.label} (tampered payload or signature, or another key)` };
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

/** A base64 PEM annotation (cert-/chain-), "" when absent or empty. */
const pemAnnotation = (annotations: Readonly<Record<string, unknown>>, name: string): string => {
  const value = annotations[name];
  const bytes = typeof value === "string" ? decodeStdBase64(value) : undefined;
  return bytes === undefined ? "" : Buffer.from(bytes).toString("utf8").trim();
};

interface Verification {
  readonly args: Arguments;
  readonly key: SigningKey | undefined;
  readonly trustedRoot: () => Promise<SigstoreTrustedRoot>;
  /** `--ca-roots`, trusted instead of the trusted root's Fulcio CAs. */
  readonly caRoots: TrustedCertificateAuthority | undefined;
}

/** The certificate's key, after checking that it was issued to the identity the flags ask for. */
const keylessSigner = async (
  policy: CertificateIdentityPolicy,
  certificatePem: string,
  shortKey: string,
): Promise<{ readonly ok: true; readonly signer: SigningKey; readonly certificate: string } | Failure> => {
  // Sigstore's certificate library is loaded only for keyless signatures.
  const { fulcioIdentity } = await import("../../adapters/signing/fulcio/fulcio-identity.ts");
  try {
    const who = fulcioIdentity(certificatePem);
    const mismatch = identityMismatch(policy, who);
    if (mismatch !== undefined) return { ok: false, why: mismatch };
    return {
      ok: true,
      signer: { key: createPublicKey(certificatePem), keyId: "", label: "the certificate's key" },
      certificate: `certificate ${who.subject ?? ""} issued by ${who.issuer ?? ""} (serial ${who.serial})`,
    };
  } catch {
    return { ok: false, why: `${certAnnotation(shortKey)} is not a readable certificate` };
  }
};

/** One signature: its key or certificate, the signature itself, its Rekor entry, then (keyless) the certificate at the entry's time. */
const checkSignature = async (
  v: Verification,
  annotations: Readonly<Record<string, unknown>>,
  shortKey: string,
  signatureText: string,
  signatureCount: number,
): Promise<Outcome> => {
  const certificatePem = pemAnnotation(annotations, certAnnotation(shortKey));
  const keyless = certificatePem !== "" && v.args.policy !== undefined ? await keylessSigner(v.args.policy, certificatePem, shortKey) : undefined;
  if (keyless !== undefined && !keyless.ok) return keyless;
  const signer = keyless?.signer ?? v.key;
  if (signer === undefined) return { ok: false, why: "signed with a key, not a Fulcio certificate: give --key to check it" };

  const payload = annotations[payloadAnnotation(shortKey)];
  const signed = checkPair(signer, typeof payload === "string" ? payload : undefined, signatureText);
  if (!signed.ok) return signed;
  const parts = [signed.what];

  let signedAt = new Date();
  const named = namedEntry(annotations, shortKey, signatureCount);
  if (v.args.ignoreTlog) parts.push("Rekor entry not checked (--insecure-ignore-tlog)");
  else if (named !== undefined) {
    const upload: TransparencyUpload = {
      payload: signed.payload,
      signature: signed.signature,
      dsse: signed.dsse,
      publicKeyPem: signer.key.export({ type: "spki", format: "pem" }).toString(),
      certificatePem,
    };
    const entry = await checkTransparencyEntry({ named, rekorUrl: v.args.rekorUrl, upload, trustedLogs: (await v.trustedRoot()).transparencyLogs });
    if (Result.isFailure(entry)) return { ok: false, why: entry.failure };
    signedAt = new Date(entry.success.integratedTime * 1000);
    parts.push(`logged in Rekor at index ${entry.success.logIndex} (integrated ${signedAt.toISOString()})`);
  } else if (keyless !== undefined || v.args.requireTlog)
    return {
      ok: false,
      why: `no Rekor entry is named for it (${CHAINS_PREFIX}transparency-${shortKey}); ${keyless !== undefined ? "a keyless signature" : "with --require-tlog a signature"} must be logged (transparency.enabled), or skip this check with --insecure-ignore-tlog`,
    };
  else parts.push("no Rekor entry named for it (not checked)");

  if (keyless !== undefined) {
    const root = v.caRoots !== undefined && v.args.ignoreSct ? undefined : await v.trustedRoot();
    const { checkSigningCertificate } = await import("../../adapters/signing/fulcio/certificate-trust.ts");
    const checked = checkSigningCertificate({
      certificatePem,
      chainPem: pemAnnotation(annotations, chainAnnotation(shortKey)),
      authorities: v.caRoots !== undefined ? [v.caRoots] : (root?.certificateAuthorities ?? []),
      ctLogs: v.args.ignoreSct ? undefined : root?.ctLogs,
      at: signedAt,
    });
    if (Result.isFailure(checked)) return { ok: false, why: `${certAnnotation(shortKey)}: ${checked.failure}` };
    parts.push(keyless.certificate);
  }
  return { ok: true, what: parts.join("; ") };
};

/** Reads the trusted root once, when first needed; one that cannot be had is a usage error (exit 2). */
const lazyTrustedRoot = (flag: string | undefined): (() => Promise<SigstoreTrustedRoot>) => {
  let root: Promise<SigstoreTrustedRoot> | undefined;
  return () =>
    (root ??= import("../composition/sigstore-trust-source.ts").then(({ sigstoreTrustSource }) => Effect.runPromise(
      Effect.result(sigstoreTrustSource({ flag, env: process.env, config: () => defaultChainsConfig }).trustedRoot),
    )).then((result) => {
      if (Result.isFailure(result)) throw new UsageError(`no Sigstore trusted root: ${result.failure.source}: ${result.failure.reason}`);
      return result.success;
    }));
};

/** The RUN-FILE's document, or the run named `taskrun/NAME` read from the cluster. */
const readRuns = async (args: Arguments): Promise<unknown> => {
  const named = parseRunArgument(args.runFile);
  if (named === undefined) return readDocument(args.runFile);
  let cluster: ClusterRuns | undefined;
  try {
    cluster = await (await import("../../adapters/kubernetes/cluster-runs.ts")).ClusterRuns.connect(args.kubeconfig);
    const namespace = args.namespace ?? cluster.defaultNamespace;
    const object = await cluster.getRun({ ...named, namespace });
    if (object === undefined) throw new UsageError(`no ${named.kind} ${named.name} in namespace ${namespace}`);
    return object;
  } catch (error) {
    // Only a cluster was used here, so its failure classes are loaded only now.
    const reason = (await import("./cluster-failure.ts")).clusterFailure(error);
    if (reason === undefined) throw error;
    throw new UsageError(reason);
  } finally {
    cluster?.close();
  }
};

const run = async (argv: ReadonlyArray<string>): Promise<number> => {
  const args = parseArguments(argv);
  const key = args.key === undefined ? undefined : await loadKey(args.key, args.kubeconfig);
  const fingerprint = key === undefined ? undefined : sshKeyFingerprint(key);
  const verification: Verification = {
    args,
    key: key === undefined ? undefined : { key, keyId: fingerprint ?? "", label: fingerprint ?? "the key" },
    trustedRoot: lazyTrustedRoot(args.trustedRoot),
    caRoots: args.caRoots === undefined ? undefined : await loadCaRoots(args.caRoots),
  };
  const objects = objectsIn(await readRuns(args));
  if (objects.length === 0) throw new UsageError(`${args.runFile}: expected a TaskRun, a PipelineRun or a List of them`);
  let verified = 0;
  let failed = 0;
  for (const object of objects) {
    const metadata = isRecord(object["metadata"]) ? object["metadata"] : {};
    const annotations = isRecord(metadata["annotations"]) ? metadata["annotations"] : {};
    const signatures = Object.entries(annotations).filter(
      (entry): entry is [string, string] => entry[0].startsWith(signaturePrefix) && typeof entry[1] === "string",
    );
    for (const [name, value] of signatures) {
      const shortKey = name.slice(signaturePrefix.length);
      const outcome = await checkSignature(verification, annotations, shortKey, value, signatures.length);
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
  ...verifyHelp,
  run,
};
