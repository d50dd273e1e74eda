import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { digestHex } from "../../src/domain/oci/oci-digest.ts";
import type { OciImage } from "./oci-image.ts";

/**
 * Writes the image as an OCI image layout (image-spec image-layout.md), which skopeo, crane and
 * podman read as `oci:DIR[:TAG]`: `oci-layout`, `index.json` naming the manifest, `blobs/sha256/`.
 */
export const writeOciLayout = (dir: string, image: OciImage, tag: string): void => {
  const blobs = join(dir, "blobs", "sha256");
  mkdirSync(blobs, { recursive: true });
  for (const blob of [...image.blobs, image.manifest]) writeFileSync(join(blobs, digestHex(blob.digest)), blob.bytes);
  writeFileSync(join(dir, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
  const index = {
    schemaVersion: 2,
    mediaType: "application/vnd.oci.image.index.v1+json",
    manifests: [
      {
        mediaType: image.manifest.mediaType,
        digest: image.manifest.digest,
        size: image.manifest.bytes.length,
        annotations: { "org.opencontainers.image.ref.name": tag },
      },
    ],
  };
  writeFileSync(join(dir, "index.json"), JSON.stringify(index));
};
