import { X509Certificate } from "node:crypto";
import { bundleToJSON, type BundleWithDsseEnvelope, type TransparencyLogEntry } from "@sigstore/bundle";
import { Result } from "effect";
import { parseEnvelope } from "../../../domain/dsse/envelope.ts";
import { sigstoreBundleMediaType } from "../../../domain/oci/media-types.ts";
import type { VerifiedLogEntry } from "../../../domain/transparency/log-entry.ts";
import { publicKeyHint } from "../../signing/public-key-hint.ts";

/**
 * The sigstore bundle v0.3 of a DSSE envelope (storage.md §4: an attestation, or an image's
 * cosign/sign/v1 signature), serialised by @sigstore/bundle as protojson: the envelope as signed,
 * and as verification material the certificate (DER) when there is one, else the hint naming the
 * public key, plus the Rekor entry when the envelope was logged (so verifiers need no Rekor
 * look-up). As in cosign's bundles there is no keyid and no empty timestamp data, which
 * @sigstore/bundle's own `toDSSEBundle` would add.
 */
export const dsseEnvelopeBundle = (input: {
  readonly envelopeJson: string;
  readonly publicKeyPem: string;
  readonly certificatePem: string;
  readonly tlogEntry?: VerifiedLogEntry;
}): Result.Result<Uint8Array, string> => {
  const envelope = parseEnvelope(input.envelopeJson);
  if (Result.isFailure(envelope)) return Result.fail(`the signature is not a DSSE envelope: ${envelope.failure.reason}`);
  const material = verificationMaterial(input.publicKeyPem, input.certificatePem, input.tlogEntry);
  if (Result.isFailure(material)) return Result.fail(material.failure);
  const { payload, payloadType, signatures } = envelope.success;
  const bundle: BundleWithDsseEnvelope = {
    mediaType: sigstoreBundleMediaType,
    verificationMaterial: material.success,
    content: {
      $case: "dsseEnvelope",
      dsseEnvelope: { payload: Buffer.from(payload), payloadType, signatures: signatures.map((s) => ({ sig: Buffer.from(s.sig), keyid: "" })) },
    },
  };
  return Result.succeed(new TextEncoder().encode(JSON.stringify(bundleToJSON(bundle))));
};

type VerificationMaterial = BundleWithDsseEnvelope["verificationMaterial"];

const verificationMaterial = (
  publicKeyPem: string,
  certificatePem: string,
  tlogEntry: VerifiedLogEntry | undefined,
): Result.Result<VerificationMaterial, string> => {
  const tlogEntries = tlogEntry === undefined ? [] : [bundleTlogEntry(tlogEntry)];
  try {
    const content: VerificationMaterial["content"] =
      certificatePem.trim() !== ""
        ? { $case: "certificate", certificate: { rawBytes: new X509Certificate(certificatePem).raw } }
        : { $case: "publicKey", publicKey: { hint: publicKeyHint(publicKeyPem) } };
    return Result.succeed({ content, tlogEntries, timestampVerificationData: undefined });
  } catch {
    return Result.fail("the signing key's certificate or public key cannot be read for the bundle");
  }
};

const hexBytes = (hex: string): Buffer => Buffer.from(hex, "hex");
const base64Bytes = (base64: string): Buffer => Buffer.from(base64, "base64");

/** A verified Rekor entry as a bundle's `tlogEntries[0]`: the SET becomes the inclusion promise. */
const bundleTlogEntry = (entry: VerifiedLogEntry): TransparencyLogEntry => {
  const proof = entry.inclusionProof;
  return {
    logIndex: String(entry.logIndex),
    logId: { keyId: hexBytes(entry.logId) },
    kindVersion: { kind: entry.kind, version: "0.0.1" },
    integratedTime: String(entry.integratedTime),
    inclusionPromise: { signedEntryTimestamp: base64Bytes(entry.signedEntryTimestamp) },
    inclusionProof:
      proof === undefined
        ? undefined
        : {
            logIndex: String(proof.logIndex),
            rootHash: hexBytes(proof.rootHash),
            treeSize: String(proof.treeSize),
            hashes: proof.hashes.map(hexBytes),
            checkpoint: { envelope: proof.checkpoint },
          },
    canonicalizedBody: base64Bytes(entry.body),
  };
};
