import { Data, Effect, Schedule } from "effect";
import { readTextCapped, ResponseTooLarge } from "../http/bounded-body.ts";
import { networkFailureDetail } from "../http/network-failure-detail.ts";
import { parseJsonText } from "../../domain/serialization/json-text.ts";

/** One Rekor exchange failed: no answer, a refused size, or a status the transport retries (429, 5xx). */
export class RekorHttpFailed extends Data.TaggedError("RekorHttpFailed")<{
  readonly url: string;
  /** What went wrong, with the HTTP status when there was one. */
  readonly detail: string;
  /** Whether another attempt may help (transparency.md §2). */
  readonly retryable: boolean;
}> {
  override get message(): string {
    return `${this.url}: ${this.detail}`;
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

const retriedStatus = (status: number): boolean => status === 429 || (status >= 500 && status !== 501);

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
    const failed = (detail: string, retryable: boolean) => new RekorHttpFailed({ url, detail, retryable });
    const response = yield* Effect.tryPromise({
      try: (signal) =>
        fetch(url, {
          method: init.method,
          headers: { Accept: "application/json", ...(init.body === undefined ? {} : { "Content-Type": "application/json" }) },
          ...(init.body === undefined ? {} : { body: init.body }),
          signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
          redirect: "error",
        }),
      catch: (cause) => failed(networkFailureDetail(cause, timeoutMs), true),
    });
    const text = yield* Effect.tryPromise({
      try: () => readTextCapped(response, maxResponseBytes, url),
      catch: (cause) =>
        cause instanceof ResponseTooLarge
          ? failed(cause.message, false)
          : failed(`HTTP ${response.status}: ${networkFailureDetail(cause, timeoutMs)}`, true),
    });
    if (retriedStatus(response.status)) return yield* Effect.fail(failed(`HTTP ${response.status}: ${serverMessage(text)}`, true));
    return { status: response.status, headers: response.headers, text };
  });
  return Effect.retry(attempt, { schedule: Schedule.recurs(retries), while: (error) => error.retryable });
};

/** Rekor's error body is `{"code":…,"message":…}`; other text is quoted as is, shortened. */
export const serverMessage = (text: string): string => {
  try {
    const parsed = parseJsonText(text);
    if (typeof parsed === "object" && parsed !== null && "message" in parsed && typeof parsed.message === "string")
      return parsed.message;
  } catch {
    // not JSON: fall through
  }
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
};
