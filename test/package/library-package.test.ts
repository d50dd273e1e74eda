// chains-ts as a library (README "Using the package in another project"): `npm pack` gives a
// package that a project with nothing else installs and uses from its own vitest tests.
import { execFileSync, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeWithTools } from "../support/independent-verifiers.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));
// The project's pinned Node 24; the consumer runs the compiled JS, so no type stripping is involved.
const node = join(root, "node_modules/node/bin/node");
const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { name: string; version: string };
const vitestVersion = (JSON.parse(readFileSync(join(root, "node_modules/vitest/package.json"), "utf8")) as { version: string }).version;

const npm = (args: ReadonlyArray<string>, cwd: string): string =>
  execFileSync("npm", [...args], { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });

/** The environment without this vitest's own variables, so the consumer's vitest starts clean. */
const cleanEnv = (): NodeJS.ProcessEnv => ({
  ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("VITEST") && name !== "NODE_OPTIONS")),
  NO_COLOR: "1",
});

describeWithTools("openssl")("the packed chains-ts in a fresh project", () => {
  let work = "";
  let project = "";

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), "chains-package-"));
    npm(["pack", "--pack-destination", work], root);
    project = join(work, "consumer");
    mkdirSync(project);
    writeFileSync(join(project, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
    npm(["install", join(work, `${manifest.name}-${manifest.version}.tgz`), "--no-audit", "--no-fund"], project);
  });

  afterAll(() => {
    if (work !== "") rmSync(work, { recursive: true, force: true });
  });

  it("imports chains-ts/harness, /ports and /fakes with only the package's runtime dependencies installed", () => {
    // Nothing but chains-ts is installed yet, and npm never installs a dependency's devDependencies.
    const imported = execFileSync(
      node,
      [
        "--input-type=module",
        "-e",
        `const [h, p, f] = await Promise.all(["harness", "ports", "fakes"].map((entry) => import("chains-ts/" + entry)));
         console.log(JSON.stringify([typeof h.EmbeddedChains, typeof p.Signers, typeof f.InMemoryCluster, typeof f.InMemoryOciRegistry]));`,
      ],
      { cwd: project, encoding: "utf8" },
    );
    expect(JSON.parse(imported)).toEqual(["function", "function", "function", "function"]);
    const installed = join(project, "node_modules", manifest.name);
    expect(existsSync(join(installed, "src"))).toBe(false);
    expect(existsSync(join(installed, "test"))).toBe(false);
    expect(existsSync(join(installed, "dist/app/package/harness.d.ts"))).toBe(true);
  });

  it("runs the project's vitest test: the harness signs a TaskRun and openssl verifies the envelope", () => {
    npm(["install", `vitest@${vitestVersion}`, "--no-audit", "--no-fund"], project);
    copyFileSync(join(root, "test/package/consumer/signs-a-task-run.test.js"), join(project, "signs-a-task-run.test.js"));
    const run = spawnSync(node, [join(project, "node_modules/vitest/vitest.mjs"), "run"], {
      cwd: project,
      encoding: "utf8",
      env: cleanEnv(),
    });
    expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
    expect(run.stdout).toMatch(/Tests\s+1 passed/);
  });
});
