import { createHash, createPublicKey, X509Certificate as NodeCertificate } from "node:crypto";
import { EXTENSION_OID_SCT, X509Certificate, X509SCTExtension } from "@sigstore/core";
import { Result } from "effect";
import type { SigstoreTrustedRoot, TrustedKey } from "../../../ports/sigstore-trust.ts";
import type { IssuedCertificate } from "./fulcio-client.ts";

/**
 * Fulcio starts a certificate at its own "now"; a controller clock a little behind it must not
 * refuse a fresh certificate (verifiers judge validity by Rekor's time, not ours).
 */
const clockSkewMs = 5 * 60_000;

export interface CertificateValidity {
  readonly notBefore: Date;
  readonly notAfter: Date;
}

const validAt = (item: { readonly validFrom?: Date; readonly validUntil?: Date }, at: Date): boolean =>
  (item.validFrom === undefined || item.validFrom <= at) && (item.validUntil === undefined || at <= item.validUntil);

/** The trusted CA certificate that issued `leaf` (first of a CA's chain: the issuing certificate). */
const trustedIssuer = (leaf: NodeCertificate, root: SigstoreTrustedRoot, now: Date): NodeCertificate | undefined => {
  for (const ca of root.certificateAuthorities) {
    const pem = ca.certificatesPem[0];
    if (pem === undefined || !validAt(ca, now)) continue;
    let issuer: NodeCertificate;
    try {
      issuer = new NodeCertificate(pem);
    } catch {
      continue; // a CA the trusted root lists but that cannot be read issues nothing we accept
    }
    if (leaf.checkIssued(issuer) && leaf.verify(issuer.publicKey)) return issuer;
  }
  return undefined;
};

/**
 * Checks the certificate's embedded SCTs (RFC 6962 §3.2): each is a CT log's signature over the
 * issuer key hash and the certificate's TBS without the SCT extension, from a log the trusted root
 * lists. Without CT logs in the trusted root there is nothing to check them against.
 */
const checkScts = (certificatePem: string, issuer: NodeCertificate, ctLogs: ReadonlyArray<TrustedKey>): Result.Result<void, string> => {
  const certificate = X509Certificate.parse(certificatePem).clone();
  const index = certificate.extensions.findIndex((ext) => ext.subs[0]?.toOID() === EXTENSION_OID_SCT);
  const extension = certificate.extensions[index];
  const scts = extension === undefined ? [] : new X509SCTExtension(extension).signedCertificateTimestamps;
  if (scts.length === 0)
    return ctLogs.length === 0 ? Result.succeed(undefined) : Result.fail("the certificate carries no embedded SCT, so it was not logged in certificate transparency");
  certificate.extensions.splice(index, 1);
  const tbs = certificate.tbsCertificate.toDER();
  const length = Buffer.alloc(3);
  length.writeUIntBE(tbs.length, 0, 3);
  const issuerKeyHash = createHash("sha256").update(issuer.publicKey.export({ type: "spki", format: "der" })).digest();
  const signed = Buffer.concat([issuerKeyHash, length, tbs]);
  for (const sct of scts) {
    const logId = sct.logID.toString("hex");
    const log = ctLogs.find((candidate) => candidate.logId === logId && validAt(candidate, sct.datetime));
    if (log === undefined) return Result.fail(`the certificate's SCT is from CT log ${logId}, which the trusted root does not list`);
    if (!sct.verify(signed, createPublicKey(log.publicKeyPem))) return Result.fail(`the certificate's SCT from CT log ${logId} does not verify`);
  }
  return Result.succeed(undefined);
};

/**
 * What chains-ts checks before signing with a certificate Fulcio issued: it is valid now, a CA of
 * the trusted root issued it, and its SCTs verify against the trusted root's CT logs. The answer
 * of the server alone is never trusted.
 */
export const checkIssuedCertificate = (
  issued: IssuedCertificate,
  root: SigstoreTrustedRoot,
  now: Date,
): Result.Result<CertificateValidity, string> => {
  let leaf: NodeCertificate;
  try {
    leaf = new NodeCertificate(issued.certificatePem);
  } catch {
    return Result.fail("the certificate Fulcio returned cannot be parsed");
  }
  const validity = { notBefore: leaf.validFromDate, notAfter: leaf.validToDate };
  if (now.getTime() < validity.notBefore.getTime() - clockSkewMs || now >= validity.notAfter)
    return Result.fail(`the certificate is valid from ${validity.notBefore.toISOString()} to ${validity.notAfter.toISOString()}, not now (${now.toISOString()}); check the clocks`);
  const issuer = trustedIssuer(leaf, root, now);
  if (issuer === undefined) return Result.fail("the certificate was not issued by a certificate authority of the Sigstore trusted root");
  try {
    return Result.map(checkScts(issued.certificatePem, issuer, root.ctLogs), () => validity);
  } catch (cause) {
    return Result.fail(`the certificate's SCT extension cannot be read: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
};
