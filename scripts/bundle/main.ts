// npm run bundle (also run by `npm ci`/`npm install`, as `prepare`): compiles the CLI to bundle/,
// which bin/chains-ts runs while it is newer than src/ and package-lock.json. See DEVELOPERS.md.
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildCliBundle } from "./cli-bundle.ts";

await buildCliBundle(join(dirname(fileURLToPath(import.meta.url)), "..", ".."));
