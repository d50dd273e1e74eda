import { Duration, Effect, Result } from "effect";
import type { ChainsConfig } from "../../../domain/config/chains-config.ts";
import { docdbNameField, docdbRecord, docdbRecordFields } from "../../../domain/storage/docdb-record.ts";
import { docstoreKeyField, docstoreLocation, parseDocstoreUrl } from "../../../domain/storage/docstore-url.ts";
import { type ArtifactStore, StorageFailed } from "../../../ports/artifact-store.ts";
import type { DocumentWriter } from "./document-writer.ts";

export interface DocdbArtifactStoreOptions {
  /** The config in force: `storage.docdb.url` is read on every store, so a new URL applies at once. */
  readonly config: () => ChainsConfig;
  readonly documents: DocumentWriter;
  /** How long one upsert may take before the pass fails it (and retries later). */
  readonly timeout?: Duration.Input;
}

const describe = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * The `docdb` backend (storage.md §7): one upsert per stored object, named by the record field the
 * URL's `name_field` (Firestore) or `partition_key` (DynamoDB) names.
 */
export const makeDocdbArtifactStore = (options: DocdbArtifactStoreOptions): ArtifactStore => ({
  name: "docdb",
  store: ({ artifact }) =>
    Effect.gen(function* () {
      const failed = (reason: string, permanent = false) =>
        new StorageFailed({ backend: "docdb", artifact: artifact.id, reason, ...(permanent ? { permanent } : {}) });
      const url = options.config().storage.docdb.url;
      const target = parseDocstoreUrl(url);
      if (Result.isFailure(target)) return yield* Effect.fail(failed(target.failure));
      const record = docdbRecord(artifact);
      if (Result.isFailure(record)) return yield* Effect.fail(failed(record.failure, true));
      const keyField = docstoreKeyField(target.success);
      const field = docdbNameField(keyField);
      if (field === undefined)
        return yield* Effect.fail(
          failed(`storage.docdb.url: the key field "${keyField}" is not a field of the record (${docdbRecordFields.join(", ")}); use name`),
        );
      const name = record.success[field];
      if (typeof name !== "string" || name === "")
        return yield* Effect.fail(failed(`storage.docdb.url: the key field "${keyField}" does not hold a document name; use name`));
      const where = docstoreLocation(target.success);
      yield* Effect.tryPromise({
        try: () => options.documents.upsert(target.success, name, record.success),
        catch: (error) => failed(`could not store document ${name} in ${where}: ${describe(error)}`),
      }).pipe(
        Effect.timeoutOrElse({
          duration: options.timeout ?? Duration.seconds(30),
          orElse: () => Effect.fail(failed(`could not store document ${name} in ${where}: no answer in time`)),
        }),
      );
      return { annotations: {} };
    }),
});
