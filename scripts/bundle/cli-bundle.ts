import { renameSync, rmSync, utimesSync } from "node:fs";
import { join } from "node:path";
import { build } from "rolldown";
import { bundleDir } from "./bundle-paths.ts";

/**
 * Packages left in node_modules rather than bundled: they find files beside their own code
 * (google-gax and @grpc load .proto files from `__dirname`), which a bundle would move. Only the
 * storage backends that the config names load them.
 */
const unbundled = [/^@google-cloud\//, /^google-gax(\/|$)/, /^@grpc\//];

/**
 * jsonc-parser's `main` is a UMD wrapper whose `require("./impl/…")` calls a bundler cannot see;
 * its ESM build (`module`) has the same API as plain imports.
 */
const esmBuilds = (projectRoot: string): Record<string, string> => ({
  "jsonc-parser": join(projectRoot, "node_modules", "jsonc-parser", "lib", "esm", "main.js"),
});

/**
 * src/app/cli/main.ts and everything it imports, dependencies included, compiled to ESM chunks:
 * Node loads a few dozen files instead of ~1,700 modules (issue 14: first signature ≤ 1 s).
 * Dynamic imports stay chunks of their own, so a command or signer still loads only when used.
 * The output replaces `out` in one rename, and main.js carries the time the build started: a
 * source file saved during the build is newer than it, so bin/chains-ts does not take it as fresh.
 */
export const buildCliBundle = async (projectRoot: string, out: string = join(projectRoot, bundleDir)): Promise<void> => {
  const started = new Date();
  const next = `${out}.next`;
  rmSync(next, { recursive: true, force: true });
  await build({
    cwd: projectRoot,
    input: { main: join(projectRoot, "src", "app", "cli", "main.ts") },
    platform: "node",
    external: (id) => unbundled.some((pattern) => pattern.test(id)),
    resolve: { alias: esmBuilds(projectRoot) },
    logLevel: "warn",
    output: { dir: next, format: "esm", entryFileNames: "[name].js", chunkFileNames: "[name]-[hash].js" },
  });
  utimesSync(join(next, "main.js"), started, started);
  rmSync(out, { recursive: true, force: true });
  renameSync(next, out);
};
