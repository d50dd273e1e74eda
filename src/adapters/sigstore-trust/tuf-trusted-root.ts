import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Effect, Result } from "effect";
import { type SigstoreTrust, type SigstoreTrustedRoot, TrustedRootUnavailable } from "../../ports/sigstore-trust.ts";
import { parseTrustedRoot } from "./trusted-root-document.ts";

export interface TufTrustOptions {
  /** `signers.x509.tuf.mirror.url` of the config in force. */
  readonly mirrorUrl: () => string;
  /** `TUF_ROOT`: where the TUF metadata and targets are cached. */
  readonly cacheDir: string;
  /** How long a fetched trusted root is used before TUF is asked again (default 1 h). */
  readonly refreshMs?: number;
}

const maxRootBytes = 1024 * 1024;

/**
 * cosign's rule for a mirror other than the public-good one: its `root.json` is fetched once and
 * trusted on first use as the initial TUF root. The public-good mirror starts from the root
 * embedded in `@sigstore/tuf`.
 */
const initialRoot = async (mirror: string, cacheDir: string, defaultMirror: string): Promise<string | undefined> => {
  if (mirror.replace(/\/$/, "") === defaultMirror) return undefined;
  const response = await fetch(`${mirror.replace(/\/$/, "")}/root.json`, { redirect: "error", signal: AbortSignal.timeout(30_000) });
  if (!response.ok) throw new Error(`GET ${mirror}/root.json: HTTP ${response.status}`);
  const body = Buffer.from(await response.arrayBuffer());
  if (body.length > maxRootBytes) throw new Error(`${mirror}/root.json is larger than ${maxRootBytes} bytes`);
  await mkdir(cacheDir, { recursive: true });
  const path = join(cacheDir, `${encodeURIComponent(mirror)}.initial-root.json`);
  await writeFile(path, body);
  return path;
};

/**
 * Trust from the sigstore TUF repository, as cosign gets it: `@sigstore/tuf` (the maintained TUF
 * client) updates the metadata from the mirror into `TUF_ROOT` and hands out `trusted_root.json`.
 */
export const tufTrustedRoot = (options: TufTrustOptions): SigstoreTrust["Service"] => {
  const refreshMs = options.refreshMs ?? 3_600_000;
  let cached: { readonly mirror: string; readonly at: number; readonly root: SigstoreTrustedRoot } | undefined;
  return {
    trustedRoot: Effect.gen(function* () {
      const mirror = options.mirrorUrl();
      if (cached !== undefined && cached.mirror === mirror && Date.now() - cached.at < refreshMs) return cached.root;
      const unavailable = (reason: string) =>
        new TrustedRootUnavailable({ source: `TUF mirror ${mirror} (signers.x509.tuf.mirror.url, cache TUF_ROOT=${options.cacheDir})`, reason });
      const text = yield* Effect.tryPromise({
        try: async () => {
          // Loaded on first use: only keyless signing and Rekor verification need it, not every start.
          const { DEFAULT_MIRROR_URL, initTUF } = await import("@sigstore/tuf");
          const rootPath = await initialRoot(mirror, options.cacheDir, DEFAULT_MIRROR_URL);
          const tuf = await initTUF({ mirrorURL: mirror, cachePath: options.cacheDir, ...(rootPath === undefined ? {} : { rootPath }) });
          return tuf.getTarget("trusted_root.json");
        },
        catch: (error) => unavailable(error instanceof Error ? error.message : String(error)),
      });
      const root = parseTrustedRoot(text);
      if (Result.isFailure(root)) return yield* Effect.fail(unavailable(`its trusted_root.json is unusable: ${root.failure}`));
      cached = { mirror, at: Date.now(), root: root.success };
      return root.success;
    }),
  };
};
