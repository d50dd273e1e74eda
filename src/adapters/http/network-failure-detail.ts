/** Why a `fetch` got no answer, for an error message: a timeout, or the message with the system error code. */
export const networkFailureDetail = (cause: unknown, timeoutMs: number): string => {
  if (cause instanceof Error && cause.name === "TimeoutError") return `no response within ${timeoutMs / 1000}s`;
  const inner = cause instanceof Error ? cause.cause : undefined;
  const code = inner instanceof Error && "code" in inner ? String(inner.code) : undefined;
  const message = cause instanceof Error ? cause.message : String(cause);
  return code === undefined ? message : `${message} (${code})`;
};
