import type { Firestore } from "@google-cloud/firestore";
import type { DocdbRecord } from "../../../domain/storage/docdb-record.ts";
import type { DocstoreTarget } from "../../../domain/storage/docstore-url.ts";
import type { DocumentWriter } from "./document-writer.ts";

/**
 * Upserts through the official Firestore client, loaded on first use so a controller that never
 * stores to docdb never loads it. `FIRESTORE_EMULATOR_HOST` points it at the emulator (plain HTTP,
 * no credentials), as for every Google client. One client per project and database; a client
 * whose database is no longer configured is terminated.
 */
export const makeFirestoreDocumentWriter = (env: Readonly<Record<string, string | undefined>> = process.env): DocumentWriter => {
  let current: { readonly key: string; readonly client: Promise<Firestore> } | undefined;

  const clientFor = (target: DocstoreTarget): Promise<Firestore> => {
    const key = `${target.project}/${target.database}`;
    if (current?.key === key) return current.client;
    const previous = current;
    const emulator = env["FIRESTORE_EMULATOR_HOST"];
    const client = import("@google-cloud/firestore").then(
      ({ Firestore }) =>
        new Firestore({
          projectId: target.project,
          databaseId: target.database,
          ...(emulator === undefined || emulator === "" ? {} : { host: emulator, ssl: false }),
        }),
    );
    current = { key, client };
    // A failed import must not stick: the next store tries again.
    client.catch(() => {
      if (current?.client === client) current = undefined;
    });
    void previous?.client.then((old) => old.terminate()).catch(() => undefined);
    return client;
  };

  return {
    upsert: async (target, name, record: DocdbRecord) => {
      const client = await clientFor(target);
      await client.collection(target.collection).doc(name).set({ ...record, Signed: Buffer.from(record.Signed) });
    },
    close: async () => {
      const last = current;
      current = undefined;
      await last?.client.then((client) => client.terminate()).catch(() => undefined);
    },
  };
};
