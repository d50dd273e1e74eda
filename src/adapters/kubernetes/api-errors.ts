import { ApiException } from "@kubernetes/client-node";
import { parseJsonText } from "../../domain/serialization/json-text.ts";

/** The HTTP status of a failed API call, or undefined when no answer came (network, timeout). */
export const httpStatusOf = (error: unknown): number | undefined => {
  if (error instanceof ApiException) return error.code;
  const status = (error as { statusCode?: unknown } | undefined)?.statusCode;
  return typeof status === "number" ? status : undefined;
};

/** Worth trying again unchanged: no answer, throttled, or a server-side failure. */
export const isTransient = (error: unknown): boolean => {
  const status = httpStatusOf(error);
  return status === undefined || status === 429 || status >= 500;
};

/**
 * A short, user-facing description: the Status message the API server sent when there is one,
 * otherwise the error's own message. Never includes request bodies.
 */
export const describeApiError = (error: unknown): string => {
  if (error instanceof ApiException) {
    const message = statusMessageOf(error.body);
    return `HTTP ${error.code}${message === undefined ? "" : `: ${message}`}`;
  }
  const status = httpStatusOf(error);
  const message = error instanceof Error ? error.message : String(error);
  return status === undefined ? message : `HTTP ${status}: ${message}`;
};

const statusMessageOf = (body: unknown): string | undefined => {
  const parsed = typeof body === "string" ? tryParse(body) : body;
  const message = (parsed as { message?: unknown } | undefined)?.message;
  return typeof message === "string" && message !== "" ? message : undefined;
};

const tryParse = (text: string): unknown => {
  try {
    return parseJsonText(text);
  } catch {
    return text === "" ? undefined : { message: text.slice(0, 300) };
  }
};
