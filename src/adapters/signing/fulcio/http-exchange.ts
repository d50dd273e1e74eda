import { Effect } from "effect";

export interface HttpAnswer {
  readonly status: number;
  readonly body: string;
}

const timeoutMs = 30_000;

/** Why no answer came, without request headers or bodies (they carry tokens). */
const networkReason = (url: string, cause: unknown): string => {
  if (cause instanceof Error && cause.name === "TimeoutError") return `${url}: no answer within ${timeoutMs / 1000} s`;
  const inner = cause instanceof Error ? cause.cause : undefined;
  const code = inner instanceof Error && "code" in inner ? ` (${String(inner.code)})` : "";
  return `${url}: ${cause instanceof Error ? cause.message : String(cause)}${code}`;
};

/** One HTTP request to a token endpoint or Fulcio; any status is an answer, only no answer fails. */
export const httpExchange = (
  url: string,
  init: { readonly method: "GET" | "POST"; readonly headers: Readonly<Record<string, string>>; readonly body?: string },
): Effect.Effect<HttpAnswer, string> =>
  Effect.tryPromise({
    try: async (signal) => {
      const response = await fetch(url, {
        method: init.method,
        headers: init.headers,
        body: init.body,
        redirect: "error",
        signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
      });
      return { status: response.status, body: await response.text() };
    },
    catch: (cause) => networkReason(url, cause),
  });

/** A short excerpt of an error answer for messages: servers explain themselves in the body. */
export const answerExcerpt = (answer: HttpAnswer): string => {
  const text = answer.body.trim().replace(/\s+/g, " ");
  return `HTTP ${answer.status}${text === "" ? "" : `: ${text.length > 200 ? `${text.slice(0, 200)}…` : text}`}`;
};
