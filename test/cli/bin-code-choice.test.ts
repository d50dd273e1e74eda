import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { bundleEntry } from "../../scripts/bundle/bundle-paths.ts";
import { temporaryDirectories } from "../support/temporary-directories.ts";

const projectRoot = fileURLToPath(new URL("../..", import.meta.url));
const temporaryDirectory = temporaryDirectories();

type ProjectFile = "src/app/cli/main.ts" | "package.json" | "package-lock.json";

/**
 * A project root holding bin/chains-ts, the project's Node, and a main.ts and (unless `bundle` is
 * false) a bundle that each print which one ran; the files in `newer` were saved after the bundle
 * was built, the others before.
 */
const projectWith = ({ bundle = true, newer = [] }: { bundle?: boolean; newer?: ReadonlyArray<ProjectFile> }): string => {
  const root = temporaryDirectory("chains-ts-bin-");
  mkdirSync(join(root, "bin"));
  copyFileSync(join(projectRoot, "bin", "chains-ts"), join(root, "bin", "chains-ts"));
  mkdirSync(join(root, "node_modules"));
  symlinkSync(join(projectRoot, "node_modules", "node"), join(root, "node_modules", "node"));
  mkdirSync(join(root, "src", "app", "cli"), { recursive: true });
  const built = Date.now() - 3_600_000;
  const saved = (file: string, text: string, at: number) => {
    writeFileSync(join(root, file), text);
    utimesSync(join(root, file), new Date(at), new Date(at));
  };
  if (bundle) {
    mkdirSync(join(root, bundleEntry, ".."));
    saved(bundleEntry, 'process.stdout.write("bundle");\n', built);
  }
  const at = (file: ProjectFile) => (newer.includes(file) ? built + 60_000 : built - 60_000);
  saved("src/app/cli/main.ts", 'process.stdout.write("source");\n', at("src/app/cli/main.ts"));
  saved("package.json", "{}\n", at("package.json"));
  saved("package-lock.json", "{}\n", at("package-lock.json"));
  // A directory's time changes when a file in it is added or removed, which makes a bundle stale too.
  for (const dir of ["src/app/cli", "src/app", "src"]) utimesSync(join(root, dir), new Date(built - 60_000), new Date(built - 60_000));
  return root;
};

const run = (root: string, choice?: string) => {
  const { CHAINS_TS_RUN: _inherited, ...env } = process.env;
  const result = spawnSync(join(root, "bin", "chains-ts"), [], {
    encoding: "utf8",
    env: { ...env, NODE_DISABLE_COMPILE_CACHE: "1", ...(choice === undefined ? {} : { CHAINS_TS_RUN: choice }) },
  });
  return { ran: result.stdout, status: result.status, stderr: result.stderr };
};

describe("what bin/chains-ts runs: the compiled bundle only while it is newer than the sources", () => {
  it("runs the bundle when no source, package.json or package-lock.json is newer than it", () => {
    expect(run(projectWith({}))).toMatchObject({ ran: "bundle", status: 0 });
  });

  it("runs the sources when a source file is newer than the bundle, or when there is no bundle", () => {
    expect(run(projectWith({ newer: ["src/app/cli/main.ts"] }))).toMatchObject({ ran: "source", status: 0 });
    const added = projectWith({});
    writeFileSync(join(added, "src", "app", "new-file.ts"), "");
    expect(run(added)).toMatchObject({ ran: "source", status: 0 });
    expect(run(projectWith({ bundle: false }))).toMatchObject({ ran: "source", status: 0 });
  });

  it("runs the sources when only the dependencies changed after the bundle was built", () => {
    expect(run(projectWith({ newer: ["package-lock.json"] }))).toMatchObject({ ran: "source", status: 0 });
    expect(run(projectWith({ newer: ["package.json"] }))).toMatchObject({ ran: "source", status: 0 });
  });

  it("CHAINS_TS_RUN=source runs the sources even beside a fresh bundle", () => {
    expect(run(projectWith({}), "source")).toMatchObject({ ran: "source", status: 0 });
  });

  it("CHAINS_TS_RUN=bundle refuses a stale or missing bundle, saying how to build it", () => {
    for (const root of [projectWith({ newer: ["src/app/cli/main.ts"] }), projectWith({ bundle: false })]) {
      const refused = run(root, "bundle");
      expect(refused.status).toBe(2);
      expect(refused.ran).toBe("");
      expect(refused.stderr).toContain("npm run bundle");
    }
    expect(run(projectWith({}), "bundle")).toMatchObject({ ran: "bundle", status: 0 });
  });

  it("refuses an unknown CHAINS_TS_RUN", () => {
    const refused = run(projectWith({}), "dist");
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain("CHAINS_TS_RUN must be source or bundle");
  });
});
