import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { Effect } from "effect";
import { COSIGN_PASSWORD } from "../../src/adapters/signing/keys/cosign-encrypted-key.ts";
import { cosignKeySigner } from "../../src/adapters/signing/keys/cosign-key.ts";
import type { Signer } from "../../src/ports/signer.ts";

/**
 * The password of a cosign key: `COSIGN_PASSWORD` as cosign reads it (set, even to "", wins), else
 * a `cosign.password` file beside the key, as chains-ts reads the `signing-secrets` Secret. Bytes
 * are used as they are: a trailing newline in the file is part of the password, as in the Secret.
 */
export const releaseKeyPassword = (
  keyPath: string,
  env: NodeJS.ProcessEnv,
): { readonly password: Uint8Array; /** Named when the password is wrong. */ readonly source: string } | undefined => {
  const fromEnv = env["COSIGN_PASSWORD"];
  if (fromEnv !== undefined) return { password: new TextEncoder().encode(fromEnv), source: "COSIGN_PASSWORD" };
  const file = join(dirname(keyPath), COSIGN_PASSWORD);
  return existsSync(file) ? { password: new Uint8Array(readFileSync(file)), source: file } : undefined;
};

/** The signer of `--key FILE` (a `cosign generate-key-pair` key), by chains-ts' own cosign key loading. */
export const releaseSigner = (keyPath: string, env: NodeJS.ProcessEnv): Effect.Effect<Signer, string> =>
  Effect.gen(function* () {
    const key = yield* Effect.try({ try: () => new Uint8Array(readFileSync(keyPath)), catch: (e) => `--key ${keyPath}: ${(e as Error).message}` });
    const password = releaseKeyPassword(keyPath, env);
    if (password === undefined) {
      return yield* Effect.fail(`--key ${keyPath} needs its password: set COSIGN_PASSWORD (as cosign reads it) or put it in ${join(dirname(keyPath), COSIGN_PASSWORD)}`);
    }
    return yield* cosignKeySigner(key, password.password).pipe(
      Effect.mapError((e) =>
        e.source === COSIGN_PASSWORD
          ? `--key ${keyPath}: cannot decrypt it with the password from ${password.source}: wrong password, or the key is corrupted`
          : `--key ${keyPath}: ${e.reason}`,
      ),
    );
  });
