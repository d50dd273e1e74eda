import { execFileSync } from "node:child_process";
import { readFileSync, realpathSync, statSync } from "node:fs";
import { hostPathEntries } from "./host-path-entries.ts";
import { caCertificatesPath, nodePath, nonrootHome, nonrootId } from "./image-layout.ts";
import { normalizedFileMode, rootOwner, type LayerEntry } from "./layer-entry.ts";
import { lddPaths } from "./ldd-output.ts";

const text = (path: string, content: string): LayerEntry => ({
  kind: "file",
  path,
  mode: 0o644,
  owner: rootOwner,
  content: new TextEncoder().encode(content),
});

const strip = (absolute: string) => absolute.replace(/^\/+/, "");

/** Users and groups for tools that look uids up; nothing in the image can log in. */
const accounts: ReadonlyArray<LayerEntry> = [
  text("etc/passwd", `root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:${nonrootId}:${nonrootId}:nonroot:${nonrootHome}:/sbin/nologin\n`),
  text("etc/group", `root:x:0:\nnonroot:x:${nonrootId}:\n`),
];

/**
 * The runtime layer: the project's pinned Node binary, the shared libraries and loader it links
 * against (as on this machine), the CA bundle, the accounts, and the only places meant to be
 * written (`/tmp`, the nonroot home), which the Deployment mounts as emptyDirs over a read-only
 * root. Nothing else: no shell, no package manager.
 */
export const runtimeLayerEntries = (nodeBinary: string): ReadonlyArray<LayerEntry> => {
  const binary = realpathSync(nodeBinary);
  const libraries = lddPaths(binary, execFileSync("ldd", [binary], { encoding: "utf8" }));
  const hostFiles = new Map<string, LayerEntry>();
  for (const path of [...libraries, caCertificatesPath]) {
    for (const entry of hostPathEntries("/", path)) hostFiles.set(entry.path, entry);
  }
  return [
    { kind: "file", path: strip(nodePath), mode: normalizedFileMode(statSync(binary).mode), owner: rootOwner, content: readFileSync(binary) },
    ...hostFiles.values(),
    ...accounts,
    { kind: "directory", path: "tmp", mode: 0o1777, owner: rootOwner },
    { kind: "directory", path: strip(nonrootHome), mode: 0o700, owner: nonrootId },
  ];
};
