import { defineConfig } from "vitest/config";

// `npm run test:package`: packs chains-ts and installs it from the npm registry into a fresh
// project, about a minute, so not in `npm test`.
export default defineConfig({
  test: {
    include: ["test/package/*.test.ts"],
    testTimeout: 300_000,
    hookTimeout: 300_000,
    pool: "forks",
  },
});
