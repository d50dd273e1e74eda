import { execFileSync } from "node:child_process";
import { copyFileSync, lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bundleDir } from "../bundle/bundle-paths.ts";
import { buildCliBundle } from "../bundle/cli-bundle.ts";
import { appDir } from "./image-layout.ts";
import { normalizedFileMode, rootOwner, type LayerEntry } from "./layer-entry.ts";

/** Every file, directory and symlink under `hostDir`, at `imageDir` in the image, root-owned and read-only. */
export const treeEntries = (hostDir: string, imageDir: string): ReadonlyArray<LayerEntry> =>
  readdirSync(hostDir).flatMap((name): ReadonlyArray<LayerEntry> => {
    const host = join(hostDir, name);
    const path = `${imageDir}/${name}`;
    const stat = lstatSync(host);
    if (stat.isSymbolicLink()) return [{ kind: "symlink", path, target: readlinkSync(host) }];
    if (stat.isDirectory()) return [{ kind: "directory", path, mode: 0o755, owner: rootOwner }, ...treeEntries(host, path)];
    if (stat.isFile()) return [{ kind: "file", path, mode: normalizedFileMode(stat.mode), owner: rootOwner, content: readFileSync(host) }];
    throw new Error(`${host}: not a file, directory or symlink; it cannot go into the image`);
  });

/**
 * The production dependencies as the Dockerfile installs them: `npm ci --omit=dev --ignore-scripts`
 * from package.json and package-lock.json alone, in a scratch directory, so neither the dev tree
 * nor local edits of node_modules reach the image. The lockfile pins every version and integrity.
 */
const productionNodeModules = <A>(projectRoot: string, use: (nodeModules: string) => A): A => {
  const scratch = mkdtempSync(join(tmpdir(), "chains-ts-image-"));
  try {
    for (const file of ["package.json", "package-lock.json"]) copyFileSync(join(projectRoot, file), join(scratch, file));
    execFileSync("npm", ["ci", "--omit=dev", "--ignore-scripts", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error"], {
      cwd: scratch,
      stdio: ["ignore", "ignore", "inherit"],
    });
    return use(join(scratch, "node_modules"));
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
};

/**
 * The CLI compiled from this checkout's src/ into a scratch directory, as deploy/Dockerfile's
 * bundle stage does: never the working tree's bundle/, which may be older than the sources.
 */
const freshBundle = async (projectRoot: string): Promise<ReadonlyArray<LayerEntry>> => {
  const scratch = mkdtempSync(join(tmpdir(), "chains-ts-bundle-"));
  try {
    await buildCliBundle(projectRoot, join(scratch, bundleDir));
    return treeEntries(join(scratch, bundleDir), `${appDir.slice(1)}/${bundleDir}`);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
};

/** The application layer: /app with package.json, the compiled CLI and the production node_modules, as in deploy/Dockerfile. */
export const appLayerEntries = async (projectRoot: string): Promise<ReadonlyArray<LayerEntry>> => {
  const app = appDir.slice(1);
  const bundle = await freshBundle(projectRoot);
  return productionNodeModules(projectRoot, (nodeModules) => [
    { kind: "directory", path: app, mode: 0o755, owner: rootOwner },
    { kind: "file", path: `${app}/package.json`, mode: 0o644, owner: rootOwner, content: readFileSync(join(projectRoot, "package.json")) },
    { kind: "directory", path: `${app}/${bundleDir}`, mode: 0o755, owner: rootOwner },
    ...bundle,
    { kind: "directory", path: `${app}/node_modules`, mode: 0o755, owner: rootOwner },
    ...treeEntries(nodeModules, `${app}/node_modules`),
  ]);
};
