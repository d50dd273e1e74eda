import tar from "tar-stream";
import { layerEntriesInOrder, type LayerEntry } from "./layer-entry.ts";

/**
 * An uncompressed tar of the entries, reproducible: entries in path order with their parents,
 * every mtime `epoch`, numeric owners only (no user or group names), modes as stated.
 */
export const tarLayer = async (entries: ReadonlyArray<LayerEntry>, epoch: Date): Promise<Uint8Array> => {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const collected = (async () => {
    for await (const chunk of pack) chunks.push(chunk as Buffer);
  })();
  for (const entry of layerEntriesInOrder(entries)) {
    const common = { name: entry.path, mtime: epoch, uname: "", gname: "" };
    await new Promise<void>((resolve, reject) => {
      const done = (error?: Error | null) => (error ? reject(error) : resolve());
      if (entry.kind === "file") {
        pack.entry({ ...common, type: "file", mode: entry.mode, uid: entry.owner, gid: entry.owner }, Buffer.from(entry.content), done);
      } else if (entry.kind === "directory") {
        pack.entry({ ...common, type: "directory", mode: entry.mode, uid: entry.owner, gid: entry.owner }, done);
      } else {
        pack.entry({ ...common, type: "symlink", mode: 0o777, uid: 0, gid: 0, linkname: entry.target }, done);
      }
    });
  }
  pack.finalize();
  await collected;
  return Buffer.concat(chunks);
};
