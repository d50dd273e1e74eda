import { createHash, createPublicKey, X509Certificate as NodeCertificate } from "node:crypto";
import { EXTENSION_OID_SCT, X509Certificate, X509SCTExtension } from "@sigstore/core";
import { Result } from "effect";
import type { SigstoreTrustedRoot, TrustedCertificateAuthority, TrustedKey } from "../../../ports/sigstore-trust.ts";
import { certificateBlocks, type IssuedCertificate } from "./fulcio-client.ts";

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

const readable = (pem: string): NodeCertificate | undefined => {
  try {
    return new NodeCertificate(pem);
  } catch {
    return undefined; // a certificate that cannot be read issues nothing we accept
  }
};

const certificateValidAt = (certificate: NodeCertificate, at: Date): boolean =>
  certificate.validFromDate <= at && at <= certificate.validToDate;

const issuedBy = (child: NodeCertificate, issuer: NodeCertificate): boolean => issuer.ca && child.checkIssued(issuer) && child.verify(issuer.publicKey);

/** Longest chain accepted from leaf to a trusted CA certificate (Fulcio's is leaf, intermediate, root). */
const maxChainLength = 8;

/**
 * The certificate that issued `leaf`, when a path leads from it through `intermediates` (untrusted,
 * e.g. the chain stored with a signature) to a certificate of a trusted CA; every certificate on
 * the path, and the CA, valid at `at`.
 */
const trustedIssuer = (
  leaf: NodeCertificate,
  intermediates: ReadonlyArray<NodeCertificate>,
  authorities: ReadonlyArray<TrustedCertificateAuthority>,
  at: Date,
): NodeCertificate | undefined => {
  const anchors = authorities
    .filter((ca) => validAt(ca, at))
    .flatMap((ca) => ca.certificatesPem.flatMap((pem) => readable(pem) ?? []))
    .filter((certificate) => certificateValidAt(certificate, at));
  const candidates = intermediates.filter((certificate) => certificateValidAt(certificate, at));
  let current = leaf;
  let firstIssuer: NodeCertificate | undefined;
  for (let length = 0; length < maxChainLength; length++) {
    const anchor = anchors.find((certificate) => issuedBy(current, certificate));
    if (anchor !== undefined) return firstIssuer ?? anchor;
    const next = candidates.find((certificate) => certificate !== current && issuedBy(current, certificate));
    if (next === undefined) return undefined;
    firstIssuer ??= next;
    current = next;
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
  const issuer = trustedIssuer(leaf, [], root.certificateAuthorities, now);
  if (issuer === undefined) return Result.fail("the certificate was not issued by a certificate authority of the Sigstore trusted root");
  return Result.map(sctsChecked(issued.certificatePem, issuer, root.ctLogs), () => validity);
};

const sctsChecked = (certificatePem: string, issuer: NodeCertificate, ctLogs: ReadonlyArray<TrustedKey>): Result.Result<void, string> => {
  try {
    return checkScts(certificatePem, issuer, ctLogs);
  } catch (cause) {
    return Result.fail(`the certificate's SCT extension cannot be read: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
};

export interface CertificateToCheck {
  readonly certificatePem: string;
  /** Intermediate certificates that came with it (untrusted: they must lead to a trusted CA). */
  readonly chainPem: string;
  /** The CAs to trust: the trusted root's Fulcio CAs, or `--ca-roots`. */
  readonly authorities: ReadonlyArray<TrustedCertificateAuthority>;
  /** The CT logs whose SCTs to require, or undefined not to check SCTs. */
  readonly ctLogs: ReadonlyArray<TrustedKey> | undefined;
  /** When it signed: a Rekor entry's integratedTime (a Fulcio certificate lives minutes). */
  readonly at: Date;
}

/**
 * What a verifier checks of a signing certificate, as cosign does: valid at the signing time, a
 * path through its chain to a trusted CA valid then, and SCTs from trusted CT logs.
 */
export const checkSigningCertificate = (input: CertificateToCheck): Result.Result<void, string> => {
  const leaf = readable(input.certificatePem);
  if (leaf === undefined) return Result.fail("the certificate cannot be parsed");
  if (!certificateValidAt(leaf, input.at))
    return Result.fail(`the certificate is valid from ${leaf.validFromDate.toISOString()} to ${leaf.validToDate.toISOString()}, not at ${input.at.toISOString()}`);
  const intermediates = certificateBlocks(input.chainPem).flatMap((pem) => readable(pem) ?? []);
  const issuer = trustedIssuer(leaf, intermediates, input.authorities, input.at);
  if (issuer === undefined) return Result.fail(`the certificate does not chain to a trusted certificate authority valid at ${input.at.toISOString()}`);
  return input.ctLogs === undefined ? Result.succeed(undefined) : sctsChecked(input.certificatePem, issuer, input.ctLogs);
};
