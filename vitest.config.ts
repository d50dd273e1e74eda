import { configDefaults, defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // The image build runs on its own: `npm run test:image` (test/image/vitest.config.ts).
    exclude: [...configDefaults.exclude, "test/image/**"],
    // Real parts (registry, openssl, kubectl) and key derivation (scrypt) are slow on 2 cores.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
  },
});
