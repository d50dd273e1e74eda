import { X509Certificate } from "node:crypto";
import { Result } from "effect";
import { parseEnvelope } from "../../domain/dsse/envelope.ts";
import { sigstoreBundleMediaType } from "../../domain/oci/media-types.ts";
import type { VerifiedLogEntry } from "../../domain/transparency/log-entry.ts";
import { sigstoreBundleTlogEntry } from "../../domain/transparency/rekor-bundle.ts";
import { publicKeyHint } from "../signing/public-key-hint.ts";

/**
 * The sigstore bundle v0.3 of a DSSE envelope (storage.md §4: an attestation, or an image's
 * cosign/sign/v1 signature), in protojson field order: the envelope as signed, and as verification
 * material the certificate (DER) when there is one, else the hint naming the public key, plus the
 * Rekor entry when the envelope was logged (so verifiers need no Rekor look-up). There is no keyid.
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
  const sigs = signatures.map((s) => `{"sig":"${base64(s.sig)}"}`).join(",");
  const json =
    `{"mediaType":${JSON.stringify(sigstoreBundleMediaType)},"verificationMaterial":${material.success},` +
    `"dsseEnvelope":{"payload":"${base64(payload)}","payloadType":${JSON.stringify(payloadType)},"signatures":[${sigs}]}}`;
  return Result.succeed(new TextEncoder().encode(json));
};

const verificationMaterial = (
  publicKeyPem: string,
  certificatePem: string,
  tlogEntry: VerifiedLogEntry | undefined,
): Result.Result<string, string> => {
  // protojson field order: the key or certificate (oneof), then tlogEntries.
  const entries = tlogEntry === undefined ? "" : `,"tlogEntries":[${sigstoreBundleTlogEntry(tlogEntry)}]`;
  try {
    if (certificatePem.trim() !== "") {
      return Result.succeed(`{"certificate":{"rawBytes":"${base64(new X509Certificate(certificatePem).raw)}"}${entries}}`);
    }
    return Result.succeed(`{"publicKey":{"hint":"${publicKeyHint(publicKeyPem)}"}${entries}}`);
  } catch {
    return Result.fail("the signing key's certificate or public key cannot be read for the bundle");
  }
};

const base64 = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
