import type { DocdbRecord } from "../../../domain/storage/docdb-record.ts";
import { type DocstoreTarget, docstoreLocation } from "../../../domain/storage/docstore-url.ts";
import type { DocumentWriter } from "./document-writer.ts";

/** Documents by location and name, last write wins, for property tests. */
export class InMemoryDocumentWriter implements DocumentWriter {
  readonly #documents = new Map<string, DocdbRecord>();
  #failures = 0;

  readonly upsert = async (target: DocstoreTarget, name: string, record: DocdbRecord): Promise<void> => {
    if (this.#failures > 0) {
      this.#failures--;
      throw new Error("injected docstore failure");
    }
    this.#documents.set(InMemoryDocumentWriter.path(target, name), structuredClone(record));
  };

  readonly close = async (): Promise<void> => {};

  static path(target: DocstoreTarget, name: string): string {
    return `${docstoreLocation(target)}/${name}`;
  }

  document(target: DocstoreTarget, name: string): DocdbRecord | undefined {
    return this.#documents.get(InMemoryDocumentWriter.path(target, name));
  }

  get size(): number {
    return this.#documents.size;
  }

  /** Makes the next `times` upserts fail. */
  failNext(times: number): void {
    this.#failures = times;
  }
}
