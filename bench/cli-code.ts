import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildCliBundle } from "../scripts/bundle/cli-bundle.ts";

/** What bin/chains-ts runs: the TypeScript sources (type stripping) or the compiled bundle/. */
export type CliCode = "source" | "bundle";

/** The environment that makes bin/chains-ts run `code` (it refuses a missing or stale bundle). */
export const runningCode = (code: CliCode): NodeJS.ProcessEnv => ({ ...process.env, CHAINS_TS_RUN: code });

/** Built afresh, so the compiled figures are of the sources being measured. */
export const freshBundle = (): Promise<void> => buildCliBundle(join(dirname(fileURLToPath(import.meta.url)), ".."));
