import { Effect } from "effect";
import type { StorageBackendName } from "../../domain/config/chains-config.ts";
import { StorageFailed } from "../../ports/artifact-store.ts";
import { type GcpTokenSource, makeGcpTokenSource } from "../signing/kms/gcp-access-token.ts";
import type { KmsEnv } from "../signing/kms/kms-env.ts";

/**
 * Google access tokens for a storage backend, from the same sources as Cloud KMS (a token file,
 * application default credentials, the metadata server). Missing credentials fail only the
 * backend that needs them (defect #12), on each store until they appear.
 */
export const storageAccessToken = (backend: StorageBackendName, env: KmsEnv) => {
  let source: GcpTokenSource | undefined;
  return (artifact: string): Effect.Effect<string, StorageFailed> =>
    Effect.suspend(() =>
      source !== undefined
        ? source
        : makeGcpTokenSource(env).pipe(
            Effect.tap((made) => Effect.sync(() => (source = made))),
            Effect.flatten,
          ),
    ).pipe(
      Effect.mapError(
        (failure) => new StorageFailed({ backend, artifact, reason: `no Google credentials (${failure.source}): ${failure.reason}` }),
      ),
    );
};
