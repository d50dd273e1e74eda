import { Effect, Redacted } from "effect";
import { MAX_TOKEN_RESPONSE_BYTES, readTextCapped, ResponseTooLarge } from "../../http/bounded-body.ts";
import type { Keychain, RegistryCredential } from "../../../domain/oci/registry-credential.ts";
import { registryScheme } from "../../../domain/oci/registry-scheme.ts";
import type { Clock } from "../../../ports/clock.ts";
import { systemClock } from "../../clock/system-clock.ts";
import { tokenRealmRefusal } from "../../../domain/oci/token-realm.ts";
import type { AuthChallenge } from "./www-authenticate.ts";
import { parseJsonText } from "../../../domain/serialization/json-text.ts";

/** What the registry asked for, learnt from its first 401 and then used pre-emptively. */
export type RegistryAuthScheme =
  | { readonly _tag: "Basic" }
  | { readonly _tag: "Bearer"; readonly realm: string; readonly service: string | undefined };

/** The token endpoint refused or returned something unusable. Never carries the credential. */
export interface TokenFailure {
  readonly status?: number;
  readonly reason: string;
  readonly retryable: boolean;
}

interface CachedToken {
  readonly token: Redacted.Redacted<string>;
  readonly expiresAt: number;
}

/** `repository:<name>:pull` or `repository:<name>:pull,push`. */
export const repositoryScope = (repository: string, action: "pull" | "push"): string =>
  `repository:${repository}:${action === "push" ? "pull,push" : "pull"}`;

export const authSchemeFrom = (challenges: ReadonlyArray<AuthChallenge>): RegistryAuthScheme | undefined => {
  const bearer = challenges.find((c) => c.scheme === "bearer" && c.params["realm"]);
  if (bearer !== undefined) {
    return { _tag: "Bearer", realm: bearer.params["realm"] ?? "", service: bearer.params["service"] };
  }
  return challenges.some((c) => c.scheme === "basic") ? { _tag: "Basic" } : undefined;
};

/**
 * Builds `Authorization` headers for one session: remembers each registry's scheme, each
 * repository's credential, and caches bearer tokens per registry and scope until shortly before
 * they expire.
 */
export class RegistryAuthenticator {
  readonly #credentialFor: Keychain;
  readonly #fetchToken: (url: URL, init: RequestInit) => Effect.Effect<Response, TokenFailure>;
  readonly #now: () => number;
  readonly #insecure: boolean;
  readonly #schemes = new Map<string, RegistryAuthScheme>();
  readonly #credentials = new Map<string, RegistryCredential>();
  readonly #tokens = new Map<string, CachedToken>();

  constructor(options: {
    readonly credentialFor: Keychain;
    readonly fetchToken: (url: URL, init: RequestInit) => Effect.Effect<Response, TokenFailure>;
    /** The clock token lifetimes are judged by; the system clock by default. */
    readonly clock?: Clock["Service"];
    /** `storage.oci.repository.insecure`: the registry, and so its token realm, may be plain HTTP. */
    readonly insecure?: boolean;
  }) {
    this.#credentialFor = options.credentialFor;
    this.#fetchToken = options.fetchToken;
    const clock = options.clock ?? systemClock;
    this.#now = () => clock.now().getTime();
    this.#insecure = options.insecure ?? false;
  }

  /** Records the registry's challenge and forgets the token that was just refused. */
  learn(registry: string, scheme: RegistryAuthScheme, refusedScope: string): void {
    this.#schemes.set(registry, scheme);
    this.#tokens.delete(`${registry} ${refusedScope}`);
  }

  /** The header for a request, or undefined when the registry has not asked for auth (or it is anonymous Basic). */
  authorization(
    registry: string,
    repository: string,
    action: "pull" | "push",
  ): Effect.Effect<string | undefined, TokenFailure> {
    const scheme = this.#schemes.get(registry);
    if (scheme === undefined) return Effect.succeed(undefined);
    return this.#credential(registry, repository).pipe(
      Effect.flatMap((credential) => {
        if (credential._tag === "RegistryToken") return Effect.succeed(`Bearer ${Redacted.value(credential.token)}`);
        if (scheme._tag === "Basic") {
          return Effect.succeed(credential._tag === "Basic" ? basicHeader(credential) : undefined);
        }
        const scope = repositoryScope(repository, action);
        const cached = this.#cachedToken(registry, scope, action, repository);
        if (cached !== undefined) return Effect.succeed(`Bearer ${Redacted.value(cached)}`);
        return this.#requestToken(registry, scheme, credential, scope).pipe(
          Effect.map((token) => {
            this.#tokens.set(`${registry} ${scope}`, token);
            return `Bearer ${Redacted.value(token.token)}`;
          }),
        );
      }),
    );
  }

  /**
   * Looks the credential up once per repository and session: a lookup may run a credential helper
   * or ask a metadata server, and a session sends many requests to the same repository.
   */
  #credential(registry: string, repository: string): Effect.Effect<RegistryCredential> {
    const key = `${registry}/${repository}`;
    const known = this.#credentials.get(key);
    if (known !== undefined) return Effect.succeed(known);
    return this.#credentialFor(registry, repository).pipe(Effect.tap((credential) => Effect.sync(() => this.#credentials.set(key, credential))));
  }

  #cachedToken(
    registry: string,
    scope: string,
    action: "pull" | "push",
    repository: string,
  ): Redacted.Redacted<string> | undefined {
    // A push token also grants pull, so a pull never needs a second token.
    const keys = action === "pull" ? [scope, repositoryScope(repository, "push")] : [scope];
    for (const key of keys) {
      const t = this.#tokens.get(`${registry} ${key}`);
      if (t !== undefined && t.expiresAt > this.#now()) return t.token;
    }
    return undefined;
  }

  #requestToken(
    registry: string,
    scheme: Extract<RegistryAuthScheme, { _tag: "Bearer" }>,
    credential: RegistryCredential,
    scope: string,
  ): Effect.Effect<CachedToken, TokenFailure> {
    let url: URL;
    try {
      url = new URL(scheme.realm);
    } catch {
      return Effect.fail({ reason: `token realm is not a URL`, retryable: false });
    }
    if (credential._tag !== "Anonymous") {
      const refusal = tokenRealmRefusal(registry, registryScheme(registry, this.#insecure), url);
      if (refusal !== undefined) return Effect.fail({ reason: refusal, retryable: false });
    }
    let init: RequestInit;
    if (credential._tag === "IdentityToken") {
      // OAuth2 refresh-token grant, as docker and go-containerregistry do for `identitytoken`.
      const form = new URLSearchParams({
        grant_type: "refresh_token",
        refresh_token: Redacted.value(credential.token),
        client_id: "chains-ts",
        scope,
        ...(scheme.service === undefined ? {} : { service: scheme.service }),
      });
      init = { method: "POST", body: form, headers: { "Content-Type": "application/x-www-form-urlencoded" } };
    } else {
      if (scheme.service !== undefined) url.searchParams.set("service", scheme.service);
      url.searchParams.append("scope", scope);
      init = { method: "GET", headers: credential._tag === "Basic" ? { Authorization: basicHeader(credential) } : {} };
    }
    const issuedAt = this.#now();
    return this.#fetchToken(url, init).pipe(
      Effect.flatMap((response) =>
        Effect.tryPromise({
          try: () => readTextCapped(response, MAX_TOKEN_RESPONSE_BYTES, url.href),
          catch: (e): TokenFailure =>
            e instanceof ResponseTooLarge
              ? { reason: `token endpoint ${url.host}: ${e.message}`, retryable: false }
              : { reason: `reading token response: ${String(e)}`, retryable: true },
        }).pipe(Effect.flatMap((body) => tokenFromResponse(response.status, body, issuedAt))),
      ),
    );
  }
}

const tokenFromResponse = (status: number, body: string, issuedAt: number): Effect.Effect<CachedToken, TokenFailure> => {
  if (status !== 200) {
    return Effect.fail({
      status,
      reason: `token endpoint answered HTTP ${status}`,
      retryable: status >= 500 || status === 429,
    });
  }
  let json: unknown;
  try {
    json = parseJsonText(body);
  } catch {
    return Effect.fail({ status, reason: "token response is not JSON", retryable: false });
  }
  const record = (typeof json === "object" && json !== null ? json : {}) as Record<string, unknown>;
  const token = record["token"] ?? record["access_token"];
  if (typeof token !== "string" || token === "") {
    return Effect.fail({ status, reason: "token response has no token", retryable: false });
  }
  const expiresIn = typeof record["expires_in"] === "number" && record["expires_in"] > 0 ? record["expires_in"] : 60;
  // Renew a little early so a token never expires between cache lookup and use.
  const lifetimeMs = Math.max(expiresIn * 1000 - Math.min(10_000, expiresIn * 100), 0);
  return Effect.succeed({ token: Redacted.make(token), expiresAt: issuedAt + lifetimeMs });
};

const basicHeader = (c: Extract<RegistryCredential, { _tag: "Basic" }>): string =>
  `Basic ${Buffer.from(`${c.username}:${Redacted.value(c.password)}`, "utf8").toString("base64")}`;
