import { availableParallelism } from "node:os";
import { configDefaults, defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // The image build and the packed library run on their own: `npm run test:image` and
    // `npm run test:package` (their vitest.config.ts).
    exclude: [...configDefaults.exclude, "test/image/**", "test/package/**"],
    globalSetup: ["test/support/suite-temporary-directory.ts"],
    // Real parts (registry, openssl, kubectl) and key derivation (scrypt) are slow on 2 cores.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
    // Most of a file's time is spent waiting on real processes, servers and sockets, so even on
    // 2 cores two files run at once (vitest's default would be cores - 1, one file at a time).
    maxWorkers: Math.max(2, availableParallelism()),
    // Each worker loads the source and its libraries once for all the files it runs, instead of
    // once per file (most of a small file's time). Tests keep no state in modules between files;
    // the ones that fake timers or stub env restore them after each test.
    isolate: false,
  },
});
