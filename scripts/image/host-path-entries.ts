import { lstatSync, readFileSync, readlinkSync } from "node:fs";
import { dirname, isAbsolute, join, posix } from "node:path";
import { normalizedFileMode, rootOwner, type LayerEntry } from "./layer-entry.ts";

/**
 * A host file copied to the same absolute path in the image, with every symlink met on the way
 * (a merged-/usr `/lib -> usr/lib`, `/lib64/ld-linux-x86-64.so.2 -> /lib/...`, `libstdc++.so.6 ->
 * libstdc++.so.6.0.30`) copied as a symlink and followed. The image then resolves the path the
 * way the host does: `ldd` reports the paths the dynamic loader will open.
 */
export const hostPathEntries = (hostRoot: string, absolutePath: string): ReadonlyArray<LayerEntry> => {
  const entries = new Map<string, LayerEntry>();
  let pending = posix.normalize(absolutePath).split("/").filter((part) => part !== "");
  let resolved: string[] = [];
  for (let hops = 0; pending.length > 0; hops++) {
    if (hops > 255) throw new Error(`${absolutePath}: too many symlinks`);
    const [part, ...rest] = pending;
    const path = [...resolved, part!].join("/");
    const stat = lstatSync(join(hostRoot, path));
    if (stat.isSymbolicLink()) {
      const target = readlinkSync(join(hostRoot, path));
      entries.set(path, { kind: "symlink", path, target });
      const followed = isAbsolute(target) ? target : posix.join("/", dirname(`/${path}`), target);
      pending = [...posix.normalize(followed).split("/").filter((p) => p !== ""), ...rest];
      resolved = [];
    } else if (rest.length === 0) {
      if (!stat.isFile()) throw new Error(`${absolutePath}: ${path} is not a regular file`);
      entries.set(path, { kind: "file", path, mode: normalizedFileMode(stat.mode), owner: rootOwner, content: readFileSync(join(hostRoot, path)) });
      pending = [];
    } else {
      resolved = [...resolved, part!];
      pending = rest;
    }
  }
  return [...entries.values()];
};
