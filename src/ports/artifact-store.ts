import { Context, Data, type Effect } from "effect";
import type { StorageBackendName } from "../domain/config/chains-config.ts";
import type { RunObject } from "../domain/run/run-object.ts";
import type { SignedArtifact } from "../domain/signing-pass/signing-artifacts.ts";

export interface StoreRequest {
  readonly run: RunObject;
  readonly artifact: SignedArtifact;
}

export interface StoreResult {
  /** Annotations to write on the run together with `signed: true` (the `tekton` backend). */
  readonly annotations: Readonly<Record<string, string>>;
}

export class StorageFailed extends Data.TaggedError("StorageFailed")<{
  readonly backend: StorageBackendName;
  readonly artifact: string;
  readonly reason: string;
  /** Storing this artifact will fail the same way every time (e.g. over the annotation budget). */
  readonly permanent?: boolean;
}> {}

/** A backend named in the config that chains-ts cannot use (not built in, or not configured). */
export class BackendUnavailable extends Data.TaggedError("BackendUnavailable")<{
  readonly backend: StorageBackendName;
  readonly reason: string;
}> {}

/** One storage backend, by its chains-config name. */
export interface ArtifactStore {
  readonly name: StorageBackendName;
  readonly store: (request: StoreRequest) => Effect.Effect<StoreResult, StorageFailed>;
}

/** Looks backends up by name; each is initialised on its own, so one broken backend breaks only itself (defect #12). */
export class ArtifactStores extends Context.Service<
  ArtifactStores,
  { readonly get: (name: StorageBackendName) => Effect.Effect<ArtifactStore, BackendUnavailable> }
>()("chains-ts/ArtifactStores") {}
