import { defineConfig } from "vitest/config";

// `npm run test:image`: builds and runs the real image, minutes on 2 cores, so not in `npm test`.
export default defineConfig({
  test: {
    include: ["test/image/**/*.test.ts"],
    testTimeout: 900_000,
    hookTimeout: 120_000,
    pool: "forks",
  },
});
