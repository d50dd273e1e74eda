import { Effect } from "effect";
import type { StorageBackendName } from "../../domain/config/chains-config.ts";
import { type ArtifactStore, StorageFailed } from "../../ports/artifact-store.ts";

/**
 * A backend whose module is imported on its first store, so a backend's client library is loaded
 * only when the config names the backend (other commands and configs never pay for it). A failed
 * import fails only this backend and is tried again on the next store.
 */
export const lazyArtifactStore = (name: StorageBackendName, load: () => Promise<ArtifactStore>): ArtifactStore => {
  let loading: Promise<ArtifactStore> | undefined;
  const loaded = () =>
    (loading ??= load().catch((cause: unknown) => {
      loading = undefined;
      throw cause;
    }));
  return {
    name,
    store: (request) =>
      Effect.tryPromise({
        try: loaded,
        catch: (cause) =>
          new StorageFailed({
            backend: name,
            artifact: request.artifact.id,
            reason: `cannot load the ${name} backend: ${cause instanceof Error ? cause.message : String(cause)}`,
          }),
      }).pipe(Effect.flatMap((store) => store.store(request))),
  };
};
