import { Effect } from "effect";
import type { StorageBackendName } from "../../domain/config/chains-config.ts";
import { type ArtifactStore, type ArtifactStores, BackendUnavailable } from "../../ports/artifact-store.ts";

/**
 * The one registry of storage backends, by chains-config name. A name the config accepts but no
 * backend serves fails only the artifacts stored there, with a reason naming what is available.
 */
export const makeArtifactStores = (backends: ReadonlyArray<ArtifactStore>): ArtifactStores["Service"] => {
  const byName = new Map<StorageBackendName, ArtifactStore>(backends.map((b) => [b.name, b]));
  const available = [...byName.keys()].sort().join(", ");
  return {
    get: (name) => {
      const backend = byName.get(name);
      return backend !== undefined
        ? Effect.succeed(backend)
        : Effect.fail(
            new BackendUnavailable({
              backend: name,
              reason: `storage backend '${name}' is not available in chains-ts yet; available: ${available}`,
            }),
          );
    },
  };
};
