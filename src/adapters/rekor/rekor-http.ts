import { Data, Effect, Schedule } from "effect";

/** One Rekor exchange failed; `status` is undefined when no HTTP answer came (connection, timeout, size). */
export class RekorHttpFailed extends Data.TaggedError("RekorHttpFailed")<{
  readonly url: string;
  readonly status: number | undefined;
  readonly detail: string;
}> {
  override get message(): string {
    return `${this.url}: ${this.status === undefined ? "" : `HTTP ${this.status}: `}${this.detail}`;
  }
}

export interface RekorResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
}

/** Rekor answers are small JSON documents; anything larger is refused rather than buffered. */
export const maxResponseBytes = 4 * 1024 * 1024;
const timeoutMs = 30_000;
/** transparency.md §2: up to 3 retries (4 attempts), no delay between them. */
const retries = 3;

const isRetryable = (error: RekorHttpFailed): boolean =>
  error.status === undefined ? error.detail !== tooLarge : error.status === 429 || (error.status >= 500 && error.status !== 501);

const tooLarge = `response larger than ${maxResponseBytes} bytes`;

const networkDetail = (cause: unknown): string => {
  if (cause instanceof Error && cause.name === "TimeoutError") return `no response within ${timeoutMs / 1000}s`;
  const inner = cause instanceof Error ? cause.cause : undefined;
  const code = inner instanceof Error && "code" in inner ? String(inner.code) : undefined;
  const message = cause instanceof Error ? cause.message : String(cause);
  return code === undefined ? message : `${message} (${code})`;
};

/** Reads at most `maxResponseBytes` of the body; undefined when it is longer. */
const readCapped = async (response: Response): Promise<string | undefined> => {
  const reader = response.body?.getReader();
  if (reader === undefined) return "";
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxResponseBytes) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
};

/**
 * One request to Rekor with the reference client's transport retries: connection errors, 429 and
 * 5xx (but 501) are tried again at once, up to 4 attempts. Any status is returned, so callers can
 * handle 409; only transport failures and retry-exhausting statuses fail.
 */
export const rekorRequest = (
  url: string,
  init: { readonly method: "GET" | "POST"; readonly body?: string },
): Effect.Effect<RekorResponse, RekorHttpFailed> => {
  const attempt = Effect.gen(function* () {
    const failed = (status: number | undefined, detail: string) => new RekorHttpFailed({ url, status, detail });
    const response = yield* Effect.tryPromise({
      try: (signal) =>
        fetch(url, {
          method: init.method,
          headers: { Accept: "application/json", ...(init.body === undefined ? {} : { "Content-Type": "application/json" }) },
          ...(init.body === undefined ? {} : { body: init.body }),
          signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
          redirect: "error",
        }),
      catch: (cause) => failed(undefined, networkDetail(cause)),
    });
    const text = yield* Effect.tryPromise({
      try: () => readCapped(response),
      catch: (cause) => failed(response.status, networkDetail(cause)),
    });
    if (text === undefined) return yield* Effect.fail(failed(undefined, tooLarge));
    if (response.status === 429 || (response.status >= 500 && response.status !== 501))
      return yield* Effect.fail(failed(response.status, serverMessage(text)));
    return { status: response.status, headers: response.headers, text };
  });
  return Effect.retry(attempt, { schedule: Schedule.recurs(retries), while: isRetryable });
};

/** Rekor's error body is `{"code":…,"message":…}`; other text is quoted as is, shortened. */
export const serverMessage = (text: string): string => {
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === "object" && parsed !== null && "message" in parsed && typeof parsed.message === "string")
      return parsed.message;
  } catch {
    // not JSON: fall through
  }
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
};
