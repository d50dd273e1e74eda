import { Effect } from "effect";
import { MAX_REGISTRY_RESPONSE_BYTES, readBodyCapped, ResponseTooLarge } from "../../http/bounded-body.ts";
import type { Keychain } from "../../../domain/oci/registry-credential.ts";
import { registryScheme } from "../../../domain/oci/registry-scheme.ts";
import { OciRegistryError, type OciRegistryErrorKind, type RepositoryRef } from "../../../ports/oci-registry.ts";
import { authSchemeFrom, RegistryAuthenticator, repositoryScope, type TokenFailure } from "../auth/registry-auth.ts";
import { type RetryPolicy, retrySchedule } from "./retry-policy.ts";
import { parseWwwAuthenticate } from "../auth/www-authenticate.ts";
import { parseJsonText } from "../../../domain/serialization/json-text.ts";

/** One registry call. `url` is a `/v2/…` path, or an absolute upload `Location` from the registry. */
export interface RegistryRequest {
  readonly repo: RepositoryRef;
  /** Names the call in errors, e.g. `PUT manifest sha256-….sig`. */
  readonly operation: string;
  readonly action: "pull" | "push";
  readonly method: "GET" | "HEAD" | "POST" | "PUT" | "PATCH";
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: Uint8Array;
}

export interface RegistryResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly body: Uint8Array;
  /** The final URL, for resolving relative `Location` and `Link` headers. */
  readonly url: string;
}

export interface RegistryTransportOptions {
  readonly insecure: boolean;
  readonly keychain: Keychain;
  readonly retry: RetryPolicy;
  readonly fetch: typeof globalThis.fetch;
  readonly userAgent: string;
}

/**
 * HTTP to registries for one session: scheme per registry-scheme.ts, auth challenges answered
 * once per request and then remembered, every request bounded by a timeout.
 */
export class RegistryTransport {
  readonly #options: RegistryTransportOptions;
  readonly #auth: RegistryAuthenticator;

  constructor(options: RegistryTransportOptions) {
    this.#options = options;
    this.#auth = new RegistryAuthenticator({
      credentialFor: options.keychain,
      insecure: options.insecure,
      fetchToken: (url, init) => this.#fetchToken(url, init),
    });
  }

  get retryPolicy(): RetryPolicy {
    return this.#options.retry;
  }

  baseUrl(registry: string): string {
    return `${registryScheme(registry, this.#options.insecure)}://${registry}`;
  }

  /**
   * Sends once (plus one resend after an auth challenge) and returns any HTTP status; fails only
   * when no response arrived (network error, timeout) or authentication itself failed.
   */
  sendOnce(request: RegistryRequest): Effect.Effect<RegistryResponse, OciRegistryError> {
    const url = new URL(request.url, this.baseUrl(request.repo.registry));
    // Never hand registry credentials to another host (an upload Location may point elsewhere).
    const sameRegistry = url.host === request.repo.registry;
    const attempt = (authorization: string | undefined) =>
      this.#fetch(request, url, {
        ...request.headers,
        "User-Agent": this.#options.userAgent,
        ...(authorization === undefined ? {} : { Authorization: authorization }),
      });
    return Effect.gen({ self: this }, function* () {
      const first = sameRegistry ? yield* this.#authorization(request) : undefined;
      const response = yield* attempt(first);
      if (response.status !== 401 || !sameRegistry) return response;
      const scheme = authSchemeFrom(parseWwwAuthenticate(response.headers.get("www-authenticate") ?? ""));
      if (scheme === undefined) return response;
      this.#auth.learn(request.repo.registry, scheme, repositoryScope(request.repo.repository, request.action));
      const second = yield* this.#authorization(request);
      if (second === undefined || second === first) return response;
      return yield* attempt(second);
    });
  }

  /** `sendOnce` with bounded retries of retryable outcomes (5xx, 429, network errors, timeouts). */
  send(request: RegistryRequest): Effect.Effect<RegistryResponse, OciRegistryError> {
    return withRetries(
      this.#options.retry,
      this.sendOnce(request).pipe(
        Effect.flatMap((response) =>
          isRetryableStatus(response.status)
            ? this.#waitRetryAfter(response).pipe(Effect.andThen(Effect.fail(statusError(request, response))))
            : Effect.succeed(response),
        ),
      ),
    );
  }

  #waitRetryAfter(response: RegistryResponse): Effect.Effect<void> {
    const seconds = Number(response.headers.get("retry-after") ?? "");
    if (response.status !== 429 || !Number.isFinite(seconds) || seconds <= 0) return Effect.void;
    return Effect.sleep(Math.min(seconds * 1000, this.#options.retry.maxDelayMs));
  }

  #authorization(request: RegistryRequest): Effect.Effect<string | undefined, OciRegistryError> {
    return this.#auth
      .authorization(request.repo.registry, request.repo.repository, request.action)
      .pipe(Effect.mapError((failure) => tokenError(request, failure)));
  }

  #fetch(
    request: RegistryRequest,
    url: URL,
    headers: Record<string, string>,
  ): Effect.Effect<RegistryResponse, OciRegistryError> {
    const timeoutMs = this.#options.retry.requestTimeoutMs;
    return Effect.tryPromise({
      try: async (signal) => {
        const response = await this.#options.fetch(url, {
          method: request.method,
          headers,
          ...(request.body === undefined ? {} : { body: request.body }),
          signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
        });
        const body = await readBodyCapped(response, MAX_REGISTRY_RESPONSE_BYTES, url.href);
        return { status: response.status, headers: response.headers, body, url: response.url || url.href };
      },
      // An oversized answer is the registry's doing, not the network's: not retried.
      catch: (e) => (e instanceof ResponseTooLarge ? responseError(request, "http", e.message) : networkError(request, e, timeoutMs)),
    });
  }

  #fetchToken(url: URL, init: RequestInit): Effect.Effect<Response, TokenFailure> {
    const timeoutMs = this.#options.retry.requestTimeoutMs;
    return withRetries(
      this.#options.retry,
      Effect.tryPromise({
        try: (signal) =>
          this.#options.fetch(url, {
            ...init,
            headers: { ...(init.headers as Record<string, string>), "User-Agent": this.#options.userAgent },
            signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
          }),
        catch: (e): TokenFailure => ({ reason: `token endpoint ${url.host}: ${describe(e, timeoutMs)}`, retryable: true }),
      }).pipe(
        Effect.flatMap((response) =>
          isRetryableStatus(response.status)
            ? Effect.fail<TokenFailure>({
                status: response.status,
                reason: `token endpoint ${url.host} answered HTTP ${response.status}`,
                retryable: true,
              })
            : Effect.succeed(response),
        ),
      ),
    );
  }
}

/** Retries `effect` while its failure is retryable, at most `policy.attempts` tries in all, with jittered backoff. */
export const withRetries = <A, E extends { readonly retryable?: boolean } | OciRegistryError>(
  policy: RetryPolicy,
  effect: Effect.Effect<A, E>,
): Effect.Effect<A, E> => Effect.retry(effect, { schedule: retrySchedule(policy), times: policy.attempts - 1, while: isRetryable });

const isRetryable = (error: { readonly retryable?: boolean } | OciRegistryError): boolean => {
  if (error instanceof OciRegistryError) {
    return (
      error.kind === "unreachable" ||
      error.kind === "timeout" ||
      (error.status !== undefined && isRetryableStatus(error.status))
    );
  }
  return error.retryable === true;
};

export const isRetryableStatus = (status: number): boolean => status >= 500 || status === 429 || status === 408;

/** An error for an unexpected status, with the registry's own error codes and messages. */
export const statusError = (request: RegistryRequest, response: RegistryResponse): OciRegistryError => {
  const kind: OciRegistryErrorKind =
    response.status === 401
      ? "unauthorized"
      : response.status === 403
        ? "denied"
        : response.status === 404
          ? "not-found"
          : "http";
  return new OciRegistryError({
    kind,
    operation: request.operation,
    registry: request.repo.registry,
    repository: request.repo.repository,
    status: response.status,
    reason: registryErrorText(response.body) || `unexpected HTTP ${response.status}`,
  });
};

export const responseError = (
  request: RegistryRequest,
  kind: OciRegistryErrorKind,
  reason: string,
  status?: number,
): OciRegistryError =>
  new OciRegistryError({
    kind,
    operation: request.operation,
    registry: request.repo.registry,
    repository: request.repo.repository,
    ...(status === undefined ? {} : { status }),
    reason,
  });

/** `{"errors":[{"code":"…","message":"…"}]}` as `CODE: message; …` (distribution error body). */
const registryErrorText = (body: Uint8Array): string => {
  try {
    const json = parseJsonText(new TextDecoder().decode(body)) as { errors?: { code?: unknown; message?: unknown }[] };
    return (json.errors ?? [])
      .map((e) => [e.code, e.message].filter((x) => typeof x === "string" && x !== "").join(": "))
      .filter((x) => x !== "")
      .join("; ")
      .slice(0, 500);
  } catch {
    return "";
  }
};

const networkError = (request: RegistryRequest, error: unknown, timeoutMs: number): OciRegistryError =>
  responseError(request, isTimeout(error) ? "timeout" : "unreachable", describe(error, timeoutMs));

const tokenError = (request: RegistryRequest, failure: TokenFailure): OciRegistryError =>
  responseError(
    request,
    failure.retryable ? (failure.status === undefined ? "unreachable" : "http") : "unauthorized",
    failure.reason,
    failure.status,
  );

const isTimeout = (error: unknown): boolean =>
  error instanceof Error && (error.name === "TimeoutError" || (error.cause instanceof Error && error.cause.name === "TimeoutError"));

const describe = (error: unknown, timeoutMs: number): string => {
  if (isTimeout(error)) return `no complete response within ${timeoutMs} ms`;
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? `: ${error.cause.message}` : "";
    return `${error.message}${cause}`;
  }
  return String(error);
};
