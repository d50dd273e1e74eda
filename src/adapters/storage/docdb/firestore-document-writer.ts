import type { Firestore } from "@google-cloud/firestore";
import type { DocdbRecord } from "../../../domain/storage/docdb-record.ts";
import type { FirestoreCollection } from "../../../domain/storage/docstore-url.ts";
import { EMULATED_UNIVERSE } from "../google-emulator-universe.ts";
import type { DocumentWriter } from "./document-writer.ts";

/** How long closing waits for writes the client still retries after the pass gave up on them. */
const TERMINATE_WAIT_MS = 2_000;

/**
 * `terminate` waits for every write in flight, and a write to an unreachable server is retried for
 * minutes; the pass has already failed it, so closing does not wait for it.
 */
const boundedTerminate = async (client: Firestore): Promise<void> => {
  let timer: NodeJS.Timeout | undefined;
  const waited = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, TERMINATE_WAIT_MS);
    timer.unref();
  });
  await Promise.race([client.terminate(), waited]);
  clearTimeout(timer);
};

/**
 * Upserts through the official Firestore client, loaded on first use so a controller that never
 * stores to docdb never loads it. `FIRESTORE_EMULATOR_HOST` points it at the emulator (plain HTTP,
 * no credentials), as for every Google client. One client per project and database; a client
 * whose database is no longer configured is terminated.
 */
export const makeFirestoreDocumentWriter = (env: Readonly<Record<string, string | undefined>> = process.env): DocumentWriter<FirestoreCollection> => {
  let current: { readonly key: string; readonly client: Promise<Firestore> } | undefined;

  const clientFor = (target: FirestoreCollection): Promise<Firestore> => {
    const key = `${target.project}/${target.database}`;
    if (current?.key === key) return current.client;
    const previous = current;
    const emulator = env["FIRESTORE_EMULATOR_HOST"];
    const client = import("@google-cloud/firestore").then(
      ({ Firestore }) =>
        new Firestore({
          projectId: target.project,
          databaseId: target.database,
          ...(emulator === undefined || emulator === "" ? {} : { host: emulator, ssl: false, universeDomain: EMULATED_UNIVERSE }),
        }),
    );
    current = { key, client };
    // A failed import must not stick: the next store tries again.
    client.catch(() => {
      if (current?.client === client) current = undefined;
    });
    void previous?.client.then((old) => boundedTerminate(old)).catch(() => undefined);
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
      await last?.client.then((client) => boundedTerminate(client)).catch(() => undefined);
    },
  };
};
