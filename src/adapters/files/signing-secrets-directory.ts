import { createHash } from "node:crypto";
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { Data, Effect } from "effect";
import type { SecretSnapshot } from "../../ports/cluster.ts";

export class SecretsDirectoryUnreadable extends Data.TaggedError("SecretsDirectoryUnreadable")<{
  readonly directory: string;
  readonly reason: string;
}> {}

/**
 * Reads signing secrets from a directory of files named like the Secret's keys, the way Kubernetes
 * mounts `signing-secrets` at /etc/signing-secrets: the visible names are symlinks into a hidden
 * `..data` directory, so dot entries are skipped and links followed. The version changes whenever
 * a name or content changes, so signers are rebuilt only then.
 */
export const readSigningSecretsDirectory = (directory: string): Effect.Effect<SecretSnapshot, SecretsDirectoryUnreadable> =>
  Effect.tryPromise({
    try: async () => {
      const files = new Map<string, Uint8Array>();
      for (const name of (await readdir(directory)).sort()) {
        if (name.startsWith(".")) continue;
        const path = join(directory, name);
        if (!(await stat(path)).isFile()) continue;
        files.set(name, new Uint8Array(await readFile(path)));
      }
      const hash = createHash("sha256");
      for (const [name, bytes] of files) hash.update(`${name}\0${bytes.length}\0`).update(bytes);
      return { version: hash.digest("hex"), files };
    },
    catch: (error) =>
      new SecretsDirectoryUnreadable({
        directory,
        reason: (error as NodeJS.ErrnoException).code === "ENOENT" ? "no such directory" : String((error as Error).message),
      }),
  });
