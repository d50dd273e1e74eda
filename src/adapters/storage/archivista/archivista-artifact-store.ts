import { Effect, Result, Schema } from "effect";
import type { ChainsConfig } from "../../../domain/config/chains-config.ts";
import { archivistaUploadBody } from "../../../domain/storage/archivista-upload.ts";
import { type ArtifactStore, StorageFailed } from "../../../ports/artifact-store.ts";
import { requestJson } from "../../signing/kms/kms-http.ts";

const UploadResponse = Schema.Struct({ gitoid: Schema.String });

/**
 * The `archivista` backend (storage.md §9): `POST <storage.archivista.url>/upload` of the DSSE
 * envelope, logging the gitoid Archivista answers with. The URL is read on every store, so a
 * blank or fixed URL applies to the next pass and breaks only this backend (defect #12).
 */
export const makeArchivistaArtifactStore = (options: { readonly config: () => ChainsConfig }): ArtifactStore => ({
  name: "archivista",
  store: ({ artifact }) =>
    Effect.gen(function* () {
      const failed = (reason: string, permanent?: boolean) =>
        new StorageFailed({ backend: "archivista", artifact: artifact.id, reason, ...(permanent ? { permanent } : {}) });
      const configured = options.config().storage.archivista.url;
      if (configured.trim() === "") return yield* Effect.fail(failed("storage.archivista.url is not set"));
      const base = URL.parse(configured.endsWith("/") ? configured : `${configured}/`);
      if (base === null || (base.protocol !== "http:" && base.protocol !== "https:")) {
        return yield* Effect.fail(failed(`storage.archivista.url ${JSON.stringify(configured)} is not an http(s) URL`));
      }
      const body = archivistaUploadBody(artifact.signature);
      if (Result.isFailure(body)) return yield* Effect.fail(failed(body.failure.reason, true));
      const url = new URL("upload", base).href;
      const response = yield* requestJson({ url, method: "POST", jsonText: body.success }, UploadResponse).pipe(
        Effect.mapError((error) => failed(`upload failed: ${error.message}`)),
      );
      yield* Effect.logInfo(`archivista stored ${artifact.id}: gitoid ${response.gitoid}`);
      return { annotations: {} };
    }),
});
