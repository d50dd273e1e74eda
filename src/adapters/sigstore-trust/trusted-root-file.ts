import { readFile } from "node:fs/promises";
import { Effect, Result } from "effect";
import { type SigstoreTrust, TrustedRootUnavailable } from "../../ports/sigstore-trust.ts";
import { parseTrustedRoot } from "./trusted-root-document.ts";

/**
 * Trust from a `trusted_root.json` file (private sigstore deployments, tests), named by
 * `--trusted-root` or `SIGSTORE_TRUSTED_ROOT` (`source`). Read on every use, so a replaced file
 * (a mounted ConfigMap) applies without a restart.
 */
export const trustedRootFile = (path: string, source: string): SigstoreTrust["Service"] => ({
  trustedRoot: Effect.gen(function* () {
    const unavailable = (reason: string) => new TrustedRootUnavailable({ source: `${source} ${path}`, reason });
    const text = yield* Effect.tryPromise({
      try: () => readFile(path, "utf8"),
      catch: (error) => unavailable(error instanceof Error && "code" in error ? `cannot read it (${String(error.code)})` : "cannot read it"),
    });
    const root = parseTrustedRoot(text);
    return Result.isSuccess(root) ? root.success : yield* Effect.fail(unavailable(`not a sigstore trusted root: ${root.failure}`));
  }),
});
