import type { DocdbRecord } from "../../../domain/storage/docdb-record.ts";
import type { DocstoreTarget, DynamoDbTable, FirestoreCollection } from "../../../domain/storage/docstore-url.ts";

/** Upserts one record as the document `name` of a docstore collection or table. */
export interface DocumentWriter<Target extends DocstoreTarget = DocstoreTarget> {
  readonly upsert: (target: Target, name: string, record: DocdbRecord) => Promise<void>;
  readonly close: () => Promise<void>;
}

/** One writer per docstore driver, chosen by the URL in force on each upsert. */
export const documentWriterByDriver = (writers: {
  readonly firestore: DocumentWriter<FirestoreCollection>;
  readonly dynamodb: DocumentWriter<DynamoDbTable>;
}): DocumentWriter => ({
  upsert: (target, name, record) =>
    target.driver === "firestore" ? writers.firestore.upsert(target, name, record) : writers.dynamodb.upsert(target, name, record),
  close: async () => {
    await Promise.all([writers.firestore.close(), writers.dynamodb.close()]);
  },
});
