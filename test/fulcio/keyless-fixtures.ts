import { createHash, createPublicKey, X509Certificate } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { toTrustMaterial, Verifier } from "@sigstore/verify";
import { Effect } from "effect";
import { ManualClock } from "../../src/adapters/memory/manual-clock.ts";
import type { KeylessContext } from "../../src/adapters/signing/fulcio/keyless-context.ts";
import type { SigstoreTrustedRoot, TrustedKey } from "../../src/ports/sigstore-trust.ts";
import { openssl } from "../support/independent-verifiers.ts";
import type { LoopbackSigstore } from "../support/loopback-sigstore.ts";

/** The loopback Fulcio reads `sub`/`iss` without checking the signature, so tokens need none. */
export const unsignedJwt = (claims: Record<string, unknown>): string =>
  [{ alg: "none" }, claims].map((part) => Buffer.from(JSON.stringify(part)).toString("base64url")).join(".") + ".";

/** A token as the kubelet projects it for the Deployment: audience sigstore, ten minutes. */
export const serviceAccountToken = (now: Date, subject = "system:serviceaccount:tekton-chains:tekton-chains-controller") =>
  unsignedJwt({
    iss: "https://kubernetes.default.svc.cluster.local",
    sub: subject,
    aud: ["sigstore"],
    iat: Math.floor(now.getTime() / 1000),
    exp: Math.floor(now.getTime() / 1000) + 600,
  });

interface RootKey {
  readonly baseUrl: string;
  readonly publicKey: { readonly rawBytes: string };
}

const trustedKey = (entry: RootKey): TrustedKey => {
  const der = Buffer.from(entry.publicKey.rawBytes, "base64");
  return {
    logId: createHash("sha256").update(der).digest("hex"),
    baseUrl: entry.baseUrl,
    publicKeyPem: createPublicKey({ key: der, format: "der", type: "spki" }).export({ type: "spki", format: "pem" }).toString(),
  };
};

/** The port's view of the loopback server's `trusted_root.json` (the real adapter is another helper's). */
export const trustedRootOf = (sigstore: LoopbackSigstore): SigstoreTrustedRoot => {
  const document = sigstore.trustedRoot as {
    tlogs: ReadonlyArray<RootKey>;
    ctlogs: ReadonlyArray<RootKey>;
    certificateAuthorities: ReadonlyArray<{ uri: string; certChain: { certificates: ReadonlyArray<{ rawBytes: string }> } }>;
  };
  return {
    transparencyLogs: document.tlogs.map(trustedKey),
    ctLogs: document.ctlogs.map(trustedKey),
    certificateAuthorities: document.certificateAuthorities.map((ca) => ({
      uri: ca.uri,
      certificatesPem: ca.certChain.certificates.map((c) => new X509Certificate(Buffer.from(c.rawBytes, "base64")).toString()),
    })),
    document,
  };
};

export interface KeylessSetup {
  readonly clock: ManualClock;
  readonly dir: string;
  /** Where the `filesystem` provider reads (the projected token in a pod). */
  readonly tokenPath: string;
  readonly context: KeylessContext;
  /** Writes a fresh projected token valid from the clock's now. */
  readonly rotateToken: (subject?: string) => void;
}

export const keylessSetup = (root: SigstoreTrustedRoot, env: Readonly<Record<string, string | undefined>> = {}): KeylessSetup => {
  const clock = new ManualClock(new Date());
  const dir = mkdtempSync(join(tmpdir(), "chains-keyless-"));
  const tokenPath = join(dir, "oidc-token");
  return {
    clock,
    dir,
    tokenPath,
    context: {
      clock,
      trustedRoot: Effect.succeed(root),
      env,
      filesystemTokenPath: tokenPath,
      gceProductNamePath: join(dir, "no-such-product-name"),
    },
    rotateToken: (subject) => writeFileSync(tokenPath, serviceAccountToken(clock.now(), subject)),
  };
};

/** `openssl verify -CAfile root [-untrusted chain] leaf`: whether the leaf chains to the root. */
export const opensslChainVerifies = (rootPem: string, leafPem: string, dir: string): boolean => {
  const root = join(dir, "root.pem");
  const leaf = join(dir, "leaf.pem");
  writeFileSync(root, rootPem);
  writeFileSync(leaf, leafPem);
  try {
    return /: OK/.test(openssl(["verify", "-CAfile", root, leaf]).toString("utf8"));
  } catch {
    return false;
  }
};

/** The SPKI PEM of a certificate's public key, extracted by openssl. */
export const opensslCertificateKey = (certificatePem: string): string =>
  openssl(["x509", "-pubkey", "-noout"], Buffer.from(certificatePem)).toString("utf8");

export const signingCertRequests = (sigstore: LoopbackSigstore): ReadonlyArray<string> =>
  sigstore.requests.filter((request) => request.includes("signingCert"));

/**
 * A @sigstore/verify verifier trusting the loopback Fulcio CA and CT log and the given transparency
 * log key (and nothing else), needing one SCT and one verified log entry.
 */
export const keylessVerifier = (sigstore: LoopbackSigstore, log: { readonly publicKeyPem: string; readonly baseUrl: string }): Verifier => {
  const document = sigstore.trustedRoot as {
    ctlogs: ReadonlyArray<RootKey>;
    certificateAuthorities: ReadonlyArray<{ certChain: { certificates: ReadonlyArray<{ rawBytes: string }> } }>;
  };
  const trustedKey = (der: Buffer, baseUrl: string) => ({ baseUrl, logId: { keyId: createHash("sha256").update(der).digest() }, publicKey: { rawBytes: der } });
  const logDer = createPublicKey(log.publicKeyPem).export({ type: "spki", format: "der" });
  const root = {
    mediaType: "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
    tlogs: [trustedKey(logDer, log.baseUrl)],
    timestampAuthorities: [],
    certificateAuthorities: document.certificateAuthorities.map((ca) => ({
      certChain: { certificates: ca.certChain.certificates.map((c) => ({ rawBytes: Buffer.from(c.rawBytes, "base64") })) },
    })),
    ctlogs: document.ctlogs.map((log) => trustedKey(Buffer.from(log.publicKey.rawBytes, "base64"), log.baseUrl)),
  };
  return new Verifier(toTrustMaterial(root as unknown as Parameters<typeof toTrustMaterial>[0]), { tlogThreshold: 1, ctlogThreshold: 1 });
};
