import { Effect, Result, Schema } from "effect";
import type { ChainsConfig } from "../../../domain/config/chains-config.ts";
import { grafeasRecords } from "../../../domain/storage/grafeas-records.ts";
import { type ArtifactStore, StorageFailed } from "../../../ports/artifact-store.ts";
import type { KmsEnv } from "../../signing/kms/kms-env.ts";
import { requestJson } from "../../signing/kms/kms-http.ts";
import { storageAccessToken } from "../google-access-token.ts";

/** gcloud's endpoint-override variable; tests point it at a loopback server. */
const ENDPOINT_ENV = "CLOUDSDK_API_ENDPOINT_OVERRIDES_CONTAINERANALYSIS";
const defaultEndpoint = "https://containeranalysis.googleapis.com/";

const AnyJson = Schema.Unknown;

/**
 * Objects whose occurrences are partly created, remembered for their retry. Runs that end
 * `failed` leave theirs behind, so the oldest are forgotten beyond this many.
 */
const MAX_PARTLY_STORED = 10_000;

/**
 * The `grafeas` backend (storage.md §8) over the Container Analysis REST API: creates the note
 * (409, already there, is fine), then one occurrence per resource. Occurrences are not
 * idempotent, so those already created for an object are remembered until all of its
 * occurrences exist, and a retry creates only the missing ones (defect #11).
 */
export const makeGrafeasArtifactStore = (options: { readonly config: () => ChainsConfig; readonly env: KmsEnv }): ArtifactStore => {
  const token = storageAccessToken("grafeas", options.env);
  const created = new Map<string, Set<string>>();
  return {
    name: "grafeas",
    store: ({ run, artifact }) =>
      Effect.gen(function* () {
        const failed = (reason: string, permanent?: boolean) =>
          new StorageFailed({ backend: "grafeas", artifact: artifact.id, reason, ...(permanent ? { permanent } : {}) });
        const settings = options.config().storage.grafeas;
        if (settings.projectId === "") return yield* Effect.fail(failed("storage.grafeas.projectid is not set"));
        const records = grafeasRecords(settings, run, artifact);
        if (Result.isFailure(records)) return yield* Effect.fail(failed(records.failure.reason, true));
        const rawEndpoint = options.env[ENDPOINT_ENV] || defaultEndpoint;
        const endpoint = URL.parse(rawEndpoint.endsWith("/") ? rawEndpoint : `${rawEndpoint}/`);
        if (endpoint === null) return yield* Effect.fail(failed(`${ENDPOINT_ENV} ${JSON.stringify(rawEndpoint)} is not a URL`));
        const project = encodeURIComponent(settings.projectId);
        const headers = { authorization: `Bearer ${yield* token(artifact.id)}` };
        const noteUrl = new URL(`v1/projects/${project}/notes?noteId=${encodeURIComponent(records.success.noteId)}`, endpoint).href;
        yield* requestJson({ url: noteUrl, method: "POST", headers, body: records.success.note }, AnyJson).pipe(
          Effect.catchIf(
            (error) => error.status === 409,
            () => Effect.void,
          ),
          Effect.mapError((error) => failed(`creating note ${records.success.noteId} failed: ${error.message}`)),
        );
        const objectKey = `${run.metadata.uid}/${artifact.id}`;
        const done = created.get(objectKey) ?? new Set<string>();
        created.set(objectKey, done);
        if (created.size > MAX_PARTLY_STORED) created.delete(created.keys().next().value ?? objectKey);
        const occurrencesUrl = new URL(`v1/projects/${project}/occurrences`, endpoint).href;
        for (const occurrence of records.success.occurrences) {
          if (done.has(occurrence.resourceUri)) continue;
          yield* requestJson({ url: occurrencesUrl, method: "POST", headers, body: occurrence.body }, AnyJson).pipe(
            Effect.mapError((error) => failed(`creating the occurrence for ${occurrence.resourceUri} failed: ${error.message}`)),
          );
          done.add(occurrence.resourceUri);
        }
        created.delete(objectKey);
        return { annotations: {} };
      }),
  };
};
