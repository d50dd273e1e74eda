import { configDefaults, defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // The image build and the packed library run on their own: `npm run test:image` and
    // `npm run test:package` (their vitest.config.ts).
    exclude: [...configDefaults.exclude, "test/image/**", "test/package/**"],
    // Real parts (registry, openssl, kubectl) and key derivation (scrypt) are slow on 2 cores.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
  },
});
