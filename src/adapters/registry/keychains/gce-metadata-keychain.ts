import { Effect, Redacted } from "effect";
import { MAX_TOKEN_RESPONSE_BYTES, readTextCapped, ResponseTooLarge } from "../../http/bounded-body.ts";
import {
  googleAccessTokenUsername,
  isGoogleRegistry,
  parseAccessTokenResponse,
} from "../../../domain/oci/google-access-token.ts";
import { anonymous, basicCredential, type Keychain } from "../../../domain/oci/registry-credential.ts";
import type { Clock } from "../../../ports/clock.ts";
import { systemClock } from "../../clock/system-clock.ts";
import { gceMetadataUrl, metadataFlavorHeader } from "../../gce/gce-metadata-url.ts";
import type { AdapterLog } from "../../kubernetes/adapter-log.ts";

export interface GceMetadataKeychainOptions {
  /** `GCE_METADATA_HOST` (host[:port]) replaces `metadata.google.internal`, as in Google's own libraries. */
  readonly env: NodeJS.ProcessEnv;
  readonly log: AdapterLog;
  /** Per request. Default 3 s: off GCP the name does not resolve and this is never reached. */
  readonly timeoutMs?: number;
  /** How long a server that could not give a token is not asked again. Default 5 minutes. */
  readonly retryAfterMs?: number;
  /** The clock token lifetimes are judged by; the system clock by default. */
  readonly clock?: Clock["Service"];
}

type TokenState =
  | { readonly _tag: "Token"; readonly token: Redacted.Redacted<string>; readonly renewAt: number }
  | { readonly _tag: "Unavailable"; readonly until: number };

/**
 * The Google keychain of storage.md §5 step 3, for a controller on GCE or GKE: for `gcr.io`,
 * `*.gcr.io` and `*.pkg.dev`, the access token of the instance's (or, with Workload Identity, the
 * pod's) service account from the metadata server, as user `oauth2accesstoken`. Other hosts are
 * anonymous without a request. The token is kept until shortly before it expires; a server that
 * is unreachable (not on GCP) or refuses is not asked again for `retryAfterMs`, so lookups stay
 * fast. Concurrent lookups share one request.
 */
export const gceMetadataKeychain = (options: GceMetadataKeychainOptions): Keychain => {
  const url = gceMetadataUrl(options.env, "instance/service-accounts/default/token");
  const host = new URL(url).host;
  const clock = options.clock ?? systemClock;
  const now = () => clock.now().getTime();
  const timeoutMs = options.timeoutMs ?? 3_000;
  const retryAfterMs = options.retryAfterMs ?? 5 * 60_000;
  let state: TokenState | undefined;
  let pending: Promise<TokenState> | undefined;

  const unavailable = (level: "info" | "warning", why: string): TokenState => {
    options.log(level, `GCE metadata server ${host}: ${why}; no Google registry credentials from it for ${retryAfterMs / 1000} s`);
    return { _tag: "Unavailable", until: now() + retryAfterMs };
  };

  const request = async (): Promise<TokenState> => {
    const startedAt = now();
    let response: Response;
    let body: string;
    try {
      response = await fetch(url, { headers: metadataFlavorHeader, signal: AbortSignal.timeout(timeoutMs) });
      body = await readTextCapped(response, MAX_TOKEN_RESPONSE_BYTES, url);
    } catch (error) {
      if (error instanceof ResponseTooLarge) return unavailable("warning", `the token answer: ${error.message}`);
      const timedOut = error instanceof Error && error.name === "TimeoutError";
      return unavailable("info", timedOut ? `no answer within ${timeoutMs} ms` : "not reachable (not on GCP?)");
    }
    // Google's libraries check this header too: something else answering at that address is not GCE.
    if (response.headers.get("metadata-flavor") !== "Google") return unavailable("warning", "the answer lacks Metadata-Flavor: Google");
    if (response.status !== 200) return unavailable("warning", `HTTP ${response.status} for the default service account's token`);
    const token = parseAccessTokenResponse(body);
    if (token === undefined) return unavailable("warning", "the token answer is not an access token");
    // Renew a minute early (half the lifetime for short ones) so a token never expires in use.
    const lifetimeMs = token.expiresInSeconds * 1000;
    return { _tag: "Token", token: token.token, renewAt: startedAt + lifetimeMs - Math.min(60_000, lifetimeMs / 2) };
  };

  const current = async (): Promise<TokenState> => {
    const known = state;
    if (known !== undefined && now() < (known._tag === "Token" ? known.renewAt : known.until)) return known;
    pending ??= request().then((next) => {
      state = next;
      pending = undefined;
      return next;
    });
    return pending;
  };

  return (registry) =>
    isGoogleRegistry(registry)
      ? Effect.promise(current).pipe(
          Effect.map((s) => (s._tag === "Token" ? basicCredential(googleAccessTokenUsername, Redacted.value(s.token)) : anonymous)),
        )
      : Effect.succeed(anonymous);
};
