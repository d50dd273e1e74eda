import { Data, Effect, Schema } from "effect";
import { networkFailureDetail } from "../../http/network-failure-detail.ts";
import { MAX_API_RESPONSE_BYTES, readTextCapped, ResponseTooLarge } from "../../http/bounded-body.ts";
import { parseJsonText } from "../../../domain/serialization/json-text.ts";

/**
 * An HTTP exchange with a KMS, token or metadata endpoint failed. `detail` holds the server's own
 * error message (Vault `errors`, Google `error.message`, OAuth `error_description`) or the network
 * error code; request headers and bodies (tokens, JWTs) never appear here.
 */
export class KmsHttpFailed extends Data.TaggedError("KmsHttpFailed")<{
  readonly url: string;
  readonly status: number | undefined;
  readonly detail: string;
}> {
  override get message(): string {
    return `${this.url}: ${this.status === undefined ? "" : `HTTP ${this.status}: `}${this.detail}`;
  }
}

export interface KmsHttpRequest {
  readonly url: string;
  readonly method?: "GET" | "POST";
  readonly headers?: Readonly<Record<string, string>>;
  /** Sent as JSON, or as `application/x-www-form-urlencoded` for URLSearchParams. */
  readonly body?: unknown;
  /** JSON text sent as it is, for bodies whose exact bytes matter (e.g. content-addressed uploads). */
  readonly jsonText?: string;
}

const timeoutMs = 30_000;

const ErrorBody = Schema.Struct({
  errors: Schema.optional(Schema.Array(Schema.String)),
  error: Schema.optional(Schema.Union([Schema.String, Schema.Struct({ message: Schema.optional(Schema.String) })])),
  error_description: Schema.optional(Schema.String),
});
const decodeErrorBody = Schema.decodeUnknownOption(ErrorBody);

/** The server's explanation from the error shapes of Vault, Google APIs and OAuth token endpoints. */
const serverDetail = (body: unknown, statusText: string): string => {
  const parsed = decodeErrorBody(body);
  if (parsed._tag === "None") return statusText;
  const { errors, error, error_description } = parsed.value;
  const parts = [
    ...(errors ?? []),
    ...(typeof error === "string" ? [error] : error?.message === undefined ? [] : [error.message]),
    ...(error_description === undefined ? [] : [error_description]),
  ].filter((part) => part !== "");
  return parts.length === 0 ? statusText : parts.join("; ");
};

const networkDetail = (cause: unknown): string => networkFailureDetail(cause, timeoutMs);

/** Sends one request and decodes a 2xx JSON response with `schema`. */
export const requestJson = <S extends Schema.ConstraintDecoder<unknown>>(
  request: KmsHttpRequest,
  schema: S,
): Effect.Effect<S["Type"], KmsHttpFailed> => {
  const { url } = request;
  const failed = (status: number | undefined, detail: string) => new KmsHttpFailed({ url, status, detail });
  const isForm = request.body instanceof URLSearchParams;
  const headers: Record<string, string> = { accept: "application/json", ...request.headers };
  const requestBody: string | undefined =
    request.jsonText ?? (request.body === undefined ? undefined : isForm ? String(request.body) : JSON.stringify(request.body));
  if (requestBody !== undefined) headers["content-type"] = isForm ? "application/x-www-form-urlencoded" : "application/json";
  return Effect.gen(function* () {
    const response = yield* Effect.tryPromise({
      try: (signal) =>
        fetch(url, {
          method: request.method ?? "GET",
          headers,
          body: requestBody,
          signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
          redirect: "error",
        }),
      catch: (cause) => failed(undefined, networkDetail(cause)),
    });
    const text = yield* Effect.tryPromise({
      try: () => readTextCapped(response, MAX_API_RESPONSE_BYTES, url),
      catch: (cause) => failed(response.status, cause instanceof ResponseTooLarge ? cause.message : networkDetail(cause)),
    });
    let body: unknown;
    try {
      body = text === "" ? undefined : parseJsonText(text);
    } catch {
      body = undefined;
    }
    if (!response.ok) return yield* Effect.fail(failed(response.status, serverDetail(body, response.statusText)));
    // The schema error would quote response values, which may be tokens; say only what was wrong.
    return yield* Schema.decodeUnknownEffect(schema)(body).pipe(
      Effect.mapError(() => failed(response.status, "unexpected response body")),
    );
  });
};
