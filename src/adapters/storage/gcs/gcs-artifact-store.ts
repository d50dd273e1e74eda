import { Storage } from "@google-cloud/storage";
import { Effect } from "effect";
import { OAuth2Client } from "google-auth-library";
import type { ChainsConfig } from "../../../domain/config/chains-config.ts";
import { gcsObjects } from "../../../domain/storage/gcs-objects.ts";
import { type ArtifactStore, StorageFailed } from "../../../ports/artifact-store.ts";
import type { KmsEnv } from "../../signing/kms/kms-env.ts";
import { storageAccessToken } from "../google-access-token.ts";

/** The Cloud Storage client's own emulator variable (`host:port` or a URL); tests set it. */
const EMULATOR_ENV = "STORAGE_EMULATOR_HOST";

const emulatorEndpoint = (value: string): string => (/^https?:\/\//.test(value) ? value : `http://${value}`);

/**
 * The `gcs` backend (storage.md §6) through the official Cloud Storage client: one object per
 * part, in the reference's order, each a single-request upload whose result the client checks
 * (MD5 of what the server stored); a failed write fails the store (defect #16). The access token
 * comes from chains-ts' Google credential sources, set on the client before every store.
 */
export const makeGcsArtifactStore = (options: { readonly config: () => ChainsConfig; readonly env: KmsEnv }): ArtifactStore => {
  const token = storageAccessToken("gcs", options.env);
  const authClient = new OAuth2Client();
  const emulator = options.env[EMULATOR_ENV];
  const storage = new Storage({
    authClient,
    ...(emulator ? { apiEndpoint: emulatorEndpoint(emulator), useAuthWithCustomEndpoint: true } : {}),
    // The pass retries a failed store with backoff; the client retrying on its own would hide that.
    retryOptions: { autoRetry: false },
  });
  return {
    name: "gcs",
    store: ({ run, artifact }) =>
      Effect.gen(function* () {
        const failed = (reason: string) => new StorageFailed({ backend: "gcs", artifact: artifact.id, reason });
        const bucketName = options.config().storage.gcs.bucket;
        if (bucketName === "") return yield* Effect.fail(failed("storage.gcs.bucket is not set"));
        authClient.setCredentials({ access_token: yield* token(artifact.id) });
        const bucket = storage.bucket(bucketName);
        for (const object of gcsObjects(run, artifact)) {
          yield* Effect.tryPromise({
            try: () => bucket.file(object.name).save(Buffer.from(object.bytes), { resumable: false, validation: "md5" }),
            catch: (cause) =>
              failed(`writing gs://${bucketName}/${object.name} failed: ${cause instanceof Error ? cause.message : String(cause)}`),
          });
        }
        return { annotations: {} };
      }),
  };
};
