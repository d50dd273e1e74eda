import { Data } from "effect";
import type { Descriptor } from "./descriptor.ts";
import { stringArrayJson } from "./descriptor.ts";
import { imageManifestJson, type ImageManifest } from "./image-manifest.ts";
import {
  dockerConfigMediaType,
  dockerManifestMediaType,
  ociConfigMediaType,
  ociManifestMediaType,
} from "./media-types.ts";
import { digestHex, sha256Digest, type OciDigest } from "./oci-digest.ts";
import { signatureAnnotation, type SignatureLayer } from "./signature-layer.ts";

/** cosign's limit on layers in one signature image. */
export const maxSignatureLayers = 1000;

export type SignatureTagKind = "sig" | "att";

/** `sha256-<hex>.sig` / `sha256-<hex>.att`: where cosign looks for an image's signatures. */
export const signatureTag = (imageDigest: OciDigest, kind: SignatureTagKind): string =>
  `sha256-${digestHex(imageDigest)}.${kind}`;

/** `oci` writes OCI media types; `docker` is the `COSIGN_DOCKER_MEDIA_TYPES` switch. */
export type SignatureMediaTypes = "oci" | "docker";

/** A blob the registry must hold before the manifest that refers to it is pushed. */
export interface Blob {
  readonly digest: OciDigest;
  readonly bytes: Uint8Array;
}

/** The complete next state of a signature tag: blobs first, then the manifest bytes. */
export interface SignatureImageWrite {
  readonly _tag: "Write";
  readonly manifest: Uint8Array;
  readonly manifestDigest: OciDigest;
  readonly manifestMediaType: string;
  /** The config blob and the new layer blob (the registry already holds the earlier layers). */
  readonly blobs: ReadonlyArray<Blob>;
  readonly layers: ReadonlyArray<Descriptor>;
}

/** The tag already holds this exact signature; nothing is written. */
export interface SignatureAlreadyPresent {
  readonly _tag: "AlreadyPresent";
  readonly layer: Descriptor;
}

export class TooManySignatureLayers extends Data.TaggedError("TooManySignatureLayers")<{
  readonly layers: number;
}> {}

const zeroTime = "0001-01-01T00:00:00Z";

/**
 * The config blob for a signature image with these layers: zero created time, one empty history
 * entry and one diff_id per layer (layers are uncompressed, so diff_id = digest).
 */
export const signatureConfigJson = (layerDigests: ReadonlyArray<OciDigest>): string =>
  `{"architecture":"","created":"${zeroTime}","history":[${layerDigests
    .map(() => `{"created":"${zeroTime}"}`)
    .join(",")}],"os":"","rootfs":{"type":"layers","diff_ids":${stringArrayJson(layerDigests)}},"config":{}}`;

/**
 * Adds a signature layer to what the tag holds (`undefined` when the tag does not exist yet).
 * A layer counts as already present only when both its digest and its signature annotation equal
 * an existing layer's: the same deterministic payload signed by another key is still written
 * (reference defect #14). Earlier layers, top-level annotations and subject are kept.
 */
export const appendSignatureLayer = (
  existing: ImageManifest | undefined,
  layer: SignatureLayer,
  mediaTypes: SignatureMediaTypes = "oci",
): SignatureImageWrite | SignatureAlreadyPresent | TooManySignatureLayers => {
  const previous = existing?.layers ?? [];
  const duplicate = previous.find(
    (d) =>
      d.digest === layer.descriptor.digest &&
      d.annotations?.[signatureAnnotation] === layer.descriptor.annotations?.[signatureAnnotation],
  );
  if (duplicate !== undefined) return { _tag: "AlreadyPresent", layer: duplicate };
  const layers = [...previous, layer.descriptor];
  if (layers.length > maxSignatureLayers) return new TooManySignatureLayers({ layers: layers.length });

  const configBytes = utf8.encode(signatureConfigJson(layers.map((d) => d.digest)));
  const configDigest = sha256Digest(configBytes);
  const manifestMediaType = mediaTypes === "docker" ? dockerManifestMediaType : ociManifestMediaType;
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: manifestMediaType,
    config: {
      mediaType: mediaTypes === "docker" ? dockerConfigMediaType : ociConfigMediaType,
      size: configBytes.length,
      digest: configDigest,
    },
    layers,
    ...(existing?.annotations === undefined ? {} : { annotations: existing.annotations }),
    ...(existing?.subject === undefined ? {} : { subject: existing.subject }),
  };
  const manifestBytes = utf8.encode(imageManifestJson(manifest));
  return {
    _tag: "Write",
    manifest: manifestBytes,
    manifestDigest: sha256Digest(manifestBytes),
    manifestMediaType,
    blobs: [
      { digest: configDigest, bytes: configBytes },
      { digest: layer.descriptor.digest, bytes: layer.blob },
    ],
    layers,
  };
};

const utf8 = new TextEncoder();
