import { createHash, createPublicKey, verify, X509Certificate, type KeyObject } from "node:crypto";
import { signedEntryTimestampMessage } from "../../domain/transparency/signed-entry-timestamp.ts";
import { Result } from "effect";
import { isJsonObject } from "../../domain/oci/json-object.ts";
import {
  transparencyEntryUrl,
  type InclusionProof,
  type RekorEntryKind,
  type VerifiedLogEntry,
} from "../../domain/transparency/log-entry.ts";
import type { TrustedKey } from "../../ports/sigstore-trust.ts";
import { inclusionProofProblem } from "./merkle-inclusion.ts";
import { parseJsonText } from "../../domain/serialization/json-text.ts";

/** What the entry must say, from the signature it is meant to log (all base64 is std, padded). */
export interface ExpectedEntry {
  readonly kind: RekorEntryKind;
  /** Hex SHA-256 of the signed payload (for dsse: of the envelope's payload). */
  readonly payloadSha256: string;
  /** Base64 of the raw signature (for dsse: the envelope's single `sig`). */
  readonly signature: string;
  /** Base64 of the verifier PEM (certificate or public key) as it was sent. */
  readonly verifier: string;
  /** dsse only: the envelope JSON as it was sent. */
  readonly envelopeJson?: string;
}

export interface LogEntryToVerify {
  readonly uuid: string;
  /** The entry object Rekor returned under the UUID key (body, integratedTime, logID, logIndex, verification). */
  readonly entry: unknown;
  readonly expected: ExpectedEntry;
  /** The trusted root's Rekor keys. */
  readonly trustedLogs: ReadonlyArray<TrustedKey>;
  /** The signer's certificate PEM, or "" for a key: with one, the entry must be integrated while it is valid. */
  readonly certificatePem: string;
  /** `transparency.url`, for the entry's URL. */
  readonly transparencyUrl: string;
}

const nonNegativeInteger = (value: unknown): value is number => typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
const isHex = (value: unknown): value is string => typeof value === "string" && /^[0-9a-fA-F]*$/.test(value);

const parseProof = (raw: unknown): Result.Result<InclusionProof | undefined, string> => {
  if (raw === undefined || raw === null) return Result.succeed(undefined);
  if (!isJsonObject(raw)) return Result.fail("verification.inclusionProof is not an object");
  const { logIndex, treeSize, rootHash, hashes, checkpoint } = raw;
  if (!nonNegativeInteger(logIndex) || !nonNegativeInteger(treeSize)) return Result.fail("the inclusion proof has no valid logIndex/treeSize");
  if (!isHex(rootHash) || !Array.isArray(hashes) || !hashes.every(isHex) || typeof checkpoint !== "string")
    return Result.fail("the inclusion proof has no valid rootHash, hashes or checkpoint");
  return Result.succeed({ logIndex, treeSize, rootHash, hashes, checkpoint });
};

const keyOf = (pem: string): KeyObject | undefined => {
  try {
    return createPublicKey(pem);
  } catch {
    return undefined;
  }
};

/** Whether the body the log returned logs exactly the expected signature (either dsse form). */
const bodyProblem = (body: Uint8Array, expected: ExpectedEntry): string | undefined => {
  let json: unknown;
  try {
    json = parseJsonText(Buffer.from(body).toString("utf8"));
  } catch {
    return "the entry body is not JSON";
  }
  if (!isJsonObject(json) || !isJsonObject(json["spec"])) return "the entry body has no spec";
  if (json["kind"] !== expected.kind || json["apiVersion"] !== "0.0.1")
    return `the entry is ${String(json["kind"])} ${String(json["apiVersion"])}, not ${expected.kind} 0.0.1`;
  const spec = json["spec"];
  const at = (value: unknown, ...path: ReadonlyArray<string | number>): unknown =>
    path.reduce<unknown>((v, key) => (isJsonObject(v) || Array.isArray(v) ? (v as Record<string | number, unknown>)[key] : undefined), value);
  const same =
    expected.kind === "hashedrekord"
      ? at(spec, "data", "hash", "algorithm") === "sha256" &&
        at(spec, "data", "hash", "value") === expected.payloadSha256 &&
        at(spec, "signature", "content") === expected.signature &&
        at(spec, "signature", "publicKey", "content") === expected.verifier
      : spec["proposedContent"] !== undefined
        ? // A log that keeps the proposed form: the very envelope and verifier we sent.
          at(spec, "proposedContent", "envelope") === expected.envelopeJson &&
          at(spec, "proposedContent", "verifiers", 0) === expected.verifier &&
          at(spec, "proposedContent", "verifiers", 1) === undefined
        : // Rekor's canonical dsse form: hashes and the one signature with its verifier.
          at(spec, "payloadHash", "algorithm") === "sha256" &&
          at(spec, "payloadHash", "value") === expected.payloadSha256 &&
          at(spec, "signatures", 0, "signature") === expected.signature &&
          at(spec, "signatures", 0, "verifier") === expected.verifier &&
          at(spec, "signatures", 1) === undefined;
  return same ? undefined : "the entry body does not log this signature";
};

/**
 * Verifies a Rekor entry offline, trusting only the trusted root: the log key is chosen by the
 * entry's logID and must be valid at its integratedTime; the signed entry timestamp must verify;
 * an inclusion proof, when present, must lead to a checkpoint signed by that key; the body must
 * log exactly the expected signature; with a certificate, the entry must be integrated while it
 * was valid. Returns the reason it fails, for an Event.
 */
export const verifyLogEntry = (input: LogEntryToVerify): Result.Result<VerifiedLogEntry, string> => {
  const { entry } = input;
  if (!isJsonObject(entry)) return Result.fail("the log returned no entry object");
  const { body, integratedTime, logID, logIndex, verification } = entry;
  if (typeof body !== "string" || !nonNegativeInteger(integratedTime) || !isHex(logID) || !nonNegativeInteger(logIndex))
    return Result.fail("the entry lacks body, integratedTime, logID or logIndex");
  if (!isJsonObject(verification) || typeof verification["signedEntryTimestamp"] !== "string")
    return Result.fail("the entry carries no signed entry timestamp");
  const set = verification["signedEntryTimestamp"];
  const proof = parseProof(verification["inclusionProof"]);
  if (Result.isFailure(proof)) return Result.fail(proof.failure);
  const logId = logID.toLowerCase();

  const trusted = input.trustedLogs.find((k) => k.logId.toLowerCase() === logId);
  if (trusted === undefined) return Result.fail(`the entry is signed by log ${logId}, which the trusted root does not hold`);
  const integrated = new Date(integratedTime * 1000);
  if ((trusted.validFrom !== undefined && integrated < trusted.validFrom) || (trusted.validUntil !== undefined && integrated > trusted.validUntil))
    return Result.fail(`the entry's integratedTime ${integrated.toISOString()} is outside the validity of trusted log key ${logId}`);
  const logKey = keyOf(trusted.publicKeyPem);
  if (logKey === undefined) return Result.fail(`the trusted root's key for log ${logId} cannot be read`);

  const setValid = (() => {
    try {
      return verify("sha256", signedEntryTimestampMessage({ body, integratedTime, logId, logIndex }), logKey, Buffer.from(set, "base64"));
    } catch {
      return false;
    }
  })();
  if (!setValid) return Result.fail(`the signed entry timestamp of entry ${logIndex} does not verify with trusted log key ${logId}`);

  const bodyBytes = Buffer.from(body, "base64");
  if (proof.success !== undefined) {
    const problem = inclusionProofProblem(proof.success, bodyBytes, logKey, logId);
    if (problem !== undefined) return Result.fail(`entry ${logIndex}: ${problem}`);
  }
  const mismatch = bodyProblem(bodyBytes, input.expected);
  if (mismatch !== undefined) return Result.fail(`entry ${logIndex}: ${mismatch}`);

  if (input.certificatePem.trim() !== "") {
    let certificate: X509Certificate;
    try {
      certificate = new X509Certificate(input.certificatePem);
    } catch {
      return Result.fail("the signing certificate cannot be read");
    }
    if (integrated < new Date(certificate.validFrom) || integrated > new Date(certificate.validTo))
      return Result.fail(`entry ${logIndex} was integrated at ${integrated.toISOString()}, outside the signing certificate's validity`);
  }
  const kind = input.expected.kind;
  return Result.succeed({
    uuid: input.uuid,
    logIndex,
    logId,
    integratedTime,
    body,
    kind,
    signedEntryTimestamp: set,
    ...(proof.success === undefined ? {} : { inclusionProof: proof.success }),
    url: transparencyEntryUrl(input.transparencyUrl, logIndex),
  });
};

/** Hex SHA-256 of a PEM public key's SPKI DER: a Rekor logID. */
export const logIdOfPem = (pem: string): string | undefined => {
  const key = keyOf(pem);
  return key === undefined ? undefined : createHash("sha256").update(key.export({ type: "spki", format: "der" })).digest("hex");
};
