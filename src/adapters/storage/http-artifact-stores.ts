import type { ChainsConfig } from "../../domain/config/chains-config.ts";
import type { ArtifactStore } from "../../ports/artifact-store.ts";
import type { KmsEnv } from "../signing/kms/kms-env.ts";
import { lazyArtifactStore } from "./lazy-artifact-store.ts";

/**
 * The `gcs`, `grafeas` and `archivista` backends for the controller. Each module (and, for gcs,
 * the Cloud Storage client) is imported only when a store names the backend.
 */
export const httpArtifactStores = (
  env: KmsEnv,
): ReadonlyArray<(context: { readonly config: () => ChainsConfig }) => ArtifactStore> => [
  ({ config }) =>
    lazyArtifactStore("gcs", async () => (await import("./gcs/gcs-artifact-store.ts")).makeGcsArtifactStore({ config, env })),
  ({ config }) =>
    lazyArtifactStore("grafeas", async () =>
      (await import("./grafeas/grafeas-artifact-store.ts")).makeGrafeasArtifactStore({ config, env }),
    ),
  ({ config }) =>
    lazyArtifactStore("archivista", async () =>
      (await import("./archivista/archivista-artifact-store.ts")).makeArchivistaArtifactStore({ config }),
    ),
];
