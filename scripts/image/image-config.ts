import type { OciDigest } from "../../src/domain/oci/oci-digest.ts";
import { appDir, entrypoint, environment, nonrootId, platform } from "./image-layout.ts";

export interface LayerHistory {
  /** What the layer holds, shown by `docker history` and `skopeo inspect --config`. */
  readonly createdBy: string;
  /** sha256 of the uncompressed layer tar. */
  readonly diffId: OciDigest;
}

/**
 * The OCI image config (image-spec config.md) of the chains-ts image. `created` is the build's
 * fixed epoch, and history entries carry no time, so the bytes depend only on the layers.
 */
export const imageConfigJson = (layers: ReadonlyArray<LayerHistory>, created: Date): string =>
  JSON.stringify({
    created: created.toISOString().replace(/\.000Z$/, "Z"),
    architecture: platform.architecture,
    os: platform.os,
    config: {
      User: `${nonrootId}:${nonrootId}`,
      Env: environment,
      Entrypoint: entrypoint,
      WorkingDir: appDir,
    },
    rootfs: { type: "layers", diff_ids: layers.map((layer) => layer.diffId) },
    history: layers.map((layer) => ({ created_by: layer.createdBy })),
  });
