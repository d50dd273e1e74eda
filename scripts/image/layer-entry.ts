/**
 * One entry of an image layer: a path inside the image (relative, no leading slash) and what it
 * holds. Owners and modes are stated here, not taken from the build machine, so that the layer
 * depends only on the files' contents.
 */
export type LayerEntry =
  | { readonly kind: "file"; readonly path: string; readonly mode: number; readonly owner: number; readonly content: Uint8Array }
  | { readonly kind: "directory"; readonly path: string; readonly mode: number; readonly owner: number }
  | { readonly kind: "symlink"; readonly path: string; readonly target: string };

export const rootOwner = 0;

/** Mode of a copied file: executable for everyone if it was executable at all, else read-only for all. */
export const normalizedFileMode = (hostMode: number): number => ((hostMode & 0o111) !== 0 ? 0o755 : 0o644);

const parentsOf = (path: string): ReadonlyArray<string> => {
  const parts = path.split("/");
  return parts.slice(1).map((_, i) => parts.slice(0, i + 1).join("/"));
};

const byteOrder = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

/**
 * The entries in byte order of their paths, each preceded by its parent directories (root-owned,
 * 0755, unless listed explicitly): the same set of entries always gives the same sequence,
 * whatever order the build machine's directory listings had. A path listed twice is a build bug.
 */
export const layerEntriesInOrder = (entries: ReadonlyArray<LayerEntry>): ReadonlyArray<LayerEntry> => {
  const byPath = new Map<string, LayerEntry>();
  for (const entry of entries) {
    if (byPath.has(entry.path)) throw new Error(`image layer: ${entry.path} is listed twice`);
    byPath.set(entry.path, entry);
  }
  for (const entry of entries) {
    for (const parent of parentsOf(entry.path)) {
      const existing = byPath.get(parent);
      if (existing === undefined) byPath.set(parent, { kind: "directory", path: parent, mode: 0o755, owner: rootOwner });
      else if (existing.kind !== "directory") throw new Error(`image layer: ${entry.path} is under ${parent}, which is not a directory`);
    }
  }
  return [...byPath.values()].sort((a, b) => byteOrder(a.path, b.path));
};
