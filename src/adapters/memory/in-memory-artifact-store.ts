import { Effect } from "effect";
import type { StorageBackendName } from "../../domain/config/chains-config.ts";
import { runRefOf, type RunRef } from "../../domain/run/run-ref.ts";
import { StorageFailed, type ArtifactStore, type StoreRequest, type StoreResult } from "../../ports/artifact-store.ts";
import { InjectedFailures } from "./injected-failures.ts";

/** What one successful `store` call kept. */
export interface StoredArtifact {
  readonly backend: StorageBackendName;
  readonly run: RunRef;
  readonly artifactId: string;
  readonly shortKey: string;
  readonly fullKey: string;
  readonly payload: string;
  readonly signature: Uint8Array;
}

/**
 * A storage backend of any name that keeps what it is given, for tests and the demo. It returns
 * no annotations unless `annotate` says otherwise (the `tekton` backend's annotations are its
 * real implementation's job).
 */
export class InMemoryArtifactStore implements ArtifactStore {
  readonly name: StorageBackendName;
  readonly #annotate: (request: StoreRequest) => Readonly<Record<string, string>>;
  readonly #stored: Array<StoredArtifact> = [];
  readonly #failures = new InjectedFailures();

  constructor(
    name: StorageBackendName,
    options: { readonly annotate?: (request: StoreRequest) => Readonly<Record<string, string>> } = {},
  ) {
    this.name = name;
    this.#annotate = options.annotate ?? (() => ({}));
  }

  readonly store = (request: StoreRequest): Effect.Effect<StoreResult, StorageFailed> =>
    Effect.suspend(() => {
      const { artifact, run } = request;
      const reason = this.#failures.take();
      if (reason !== undefined) {
        return Effect.fail(new StorageFailed({ backend: this.name, artifact: artifact.id, reason }));
      }
      this.#stored.push({
        backend: this.name,
        run: runRefOf(run),
        artifactId: artifact.id,
        shortKey: artifact.shortKey,
        fullKey: artifact.fullKey,
        payload: artifact.payload,
        signature: artifact.signature.slice(),
      });
      return Effect.succeed({ annotations: { ...this.#annotate(request) } });
    });

  stored(): Array<StoredArtifact> {
    return this.#stored.map((s) => ({ ...s, run: { ...s.run }, signature: s.signature.slice() }));
  }

  /** Makes the next `times` calls fail with StorageFailed (replacing any pending injection). */
  failNext(times: number, reason?: string): void {
    this.#failures.arm(times, reason);
  }
}
