import type { DocdbRecord } from "../../../domain/storage/docdb-record.ts";
import type { DocstoreTarget } from "../../../domain/storage/docstore-url.ts";

/** Upserts one record as the document `name` of a docstore collection. */
export interface DocumentWriter {
  readonly upsert: (target: DocstoreTarget, name: string, record: DocdbRecord) => Promise<void>;
  readonly close: () => Promise<void>;
}
