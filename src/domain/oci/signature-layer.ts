import { dsseEnvelopeLayerMediaType, simpleSigningLayerMediaType } from "./media-types.ts";
import { sha256Digest } from "./oci-digest.ts";
import type { Descriptor } from "./descriptor.ts";

/** Layer annotation keys cosign reads (storage.md §3.2). */
export const signatureAnnotation = "dev.cosignproject.cosign/signature";
export const certificateAnnotation = "dev.sigstore.cosign/certificate";
export const chainAnnotation = "dev.sigstore.cosign/chain";
export const bundleAnnotation = "dev.sigstore.cosign/bundle";

/** One signature (or attestation) to add to a cosign signature image: the blob and its descriptor. */
export interface SignatureLayer {
  readonly descriptor: Descriptor;
  /** The uncompressed blob: the simplesigning payload or the DSSE envelope JSON. */
  readonly blob: Uint8Array;
}

export interface SimpleSigningSignature {
  readonly payload: Uint8Array;
  /** The raw signature over the payload (not base64). */
  readonly signature: Uint8Array;
  readonly certificatePem: string;
  readonly chainPem: string;
  /**
   * Rekor bundle JSON, when the signature was logged. The reference leaves it off `.sig` layers;
   * cosign attaches it when it signs, and with it `cosign verify` needs no Rekor look-up.
   */
  readonly rekorBundleJson?: string;
}

export interface AttestationEnvelope {
  /** The DSSE envelope JSON bytes, exactly as produced by the signer. */
  readonly envelope: Uint8Array;
  readonly certificatePem: string;
  readonly chainPem: string;
  /** Rekor bundle JSON, only when a tlog upload succeeded in this pass. */
  readonly rekorBundleJson?: string;
}

/** A `.sig` layer: signature annotation = std base64 of the raw signature; cert and chain always present. */
export const simpleSigningLayer = (s: SimpleSigningSignature): SignatureLayer =>
  layer(simpleSigningLayerMediaType, s.payload, {
    [signatureAnnotation]: base64(s.signature),
    [certificateAnnotation]: s.certificatePem,
    [chainAnnotation]: s.chainPem,
    ...(s.rekorBundleJson === undefined ? {} : { [bundleAnnotation]: s.rekorBundleJson }),
  });

/** An `.att` layer: the signature annotation is always present and empty (cosign needs the key). */
export const attestationLayer = (a: AttestationEnvelope): SignatureLayer =>
  layer(dsseEnvelopeLayerMediaType, a.envelope, {
    [signatureAnnotation]: "",
    [certificateAnnotation]: a.certificatePem,
    [chainAnnotation]: a.chainPem,
    ...(a.rekorBundleJson === undefined ? {} : { [bundleAnnotation]: a.rekorBundleJson }),
  });

const layer = (mediaType: string, blob: Uint8Array, annotations: Record<string, string>): SignatureLayer => ({
  descriptor: { mediaType, size: blob.length, digest: sha256Digest(blob), annotations },
  blob,
});

const base64 = (bytes: Uint8Array): string => {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
};
