import { gzipSync } from "node:zlib";
import type { Descriptor } from "../../src/domain/oci/descriptor.ts";
import { imageManifestJson } from "../../src/domain/oci/image-manifest.ts";
import { ociConfigMediaType, ociLayerGzipMediaType, ociManifestMediaType } from "../../src/domain/oci/media-types.ts";
import { sha256Digest, type OciDigest } from "../../src/domain/oci/oci-digest.ts";
import type { BlobContent } from "../../src/ports/oci-registry.ts";
import { imageConfigJson } from "./image-config.ts";

export interface LayerTar {
  readonly createdBy: string;
  /** The uncompressed layer, from `tarLayer`. */
  readonly tar: Uint8Array;
}

/** A built image: its blobs (config and layers) and the manifest that names them. */
export interface OciImage {
  readonly blobs: ReadonlyArray<BlobContent>;
  readonly manifest: { readonly mediaType: string; readonly digest: OciDigest; readonly bytes: Uint8Array };
}

const descriptorOf = (mediaType: string, bytes: Uint8Array): Descriptor => ({
  mediaType,
  size: bytes.length,
  digest: sha256Digest(bytes),
});

/**
 * Compresses the layers and writes the config and manifest. node:zlib's gzip header has no file
 * name and a zero mtime, so the same tars give the same blobs and the same manifest digest.
 */
export const ociImage = (layers: ReadonlyArray<LayerTar>, created: Date): OciImage => {
  const compressed = layers.map((layer) => gzipSync(layer.tar));
  const config = new TextEncoder().encode(
    imageConfigJson(
      layers.map((layer) => ({ createdBy: layer.createdBy, diffId: sha256Digest(layer.tar) })),
      created,
    ),
  );
  const manifest = new TextEncoder().encode(
    imageManifestJson({
      schemaVersion: 2,
      mediaType: ociManifestMediaType,
      config: descriptorOf(ociConfigMediaType, config),
      layers: compressed.map((bytes) => descriptorOf(ociLayerGzipMediaType, bytes)),
    }),
  );
  return {
    blobs: [config, ...compressed].map((bytes) => ({ digest: sha256Digest(bytes), bytes })),
    manifest: { mediaType: ociManifestMediaType, digest: sha256Digest(manifest), bytes: manifest },
  };
};
