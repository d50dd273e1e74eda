import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { Data, Effect } from "effect";
import type { SecretSnapshot } from "../../ports/config-source.ts";

export class SecretsDirectoryUnreadable extends Data.TaggedError("SecretsDirectoryUnreadable")<{
  readonly directory: string;
  readonly reason: string;
}> {}

const errorCode = (error: unknown): string | undefined => (error as NodeJS.ErrnoException | undefined)?.code;
const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * One visible entry's bytes; undefined for a directory, or for a link left dangling while the
 * kubelet swaps `..data` and removes a deleted key (the next read no longer sees it).
 */
const readEntry = async (path: string): Promise<Uint8Array | undefined> => {
  try {
    return new Uint8Array(await readFile(path));
  } catch (error) {
    if (errorCode(error) === "EISDIR" || errorCode(error) === "ENOENT") return undefined;
    throw error;
  }
};

/**
 * Reads signing secrets from a directory of files named like the Secret's keys, the way Kubernetes
 * mounts `signing-secrets` at /etc/signing-secrets: the visible names are symlinks into a hidden
 * `..data` directory, so dot entries are skipped and links followed. The version changes whenever
 * a name or content changes, so signers are rebuilt only then.
 */
export const readSigningSecretsDirectory = (directory: string): Effect.Effect<SecretSnapshot, SecretsDirectoryUnreadable> =>
  Effect.gen(function* () {
    const unreadable = (reason: string) => new SecretsDirectoryUnreadable({ directory, reason });
    const names = yield* Effect.tryPromise({
      try: () => readdir(directory),
      catch: (error) => unreadable(errorCode(error) === "ENOENT" ? "no such directory" : messageOf(error)),
    });
    const files = new Map<string, Uint8Array>();
    for (const name of names.filter((entry) => !entry.startsWith(".")).sort()) {
      const bytes = yield* Effect.tryPromise({
        try: () => readEntry(join(directory, name)),
        catch: (error) => unreadable(`cannot read ${name}: ${messageOf(error)}`),
      });
      if (bytes !== undefined) files.set(name, bytes);
    }
    const hash = createHash("sha256");
    for (const [name, bytes] of files) hash.update(`${name}\0${bytes.length}\0`).update(bytes);
    return { version: hash.digest("hex"), files };
  });
