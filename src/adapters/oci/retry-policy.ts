/** Bounds of the registry client's retries: how often, how long to wait, how long one request may take. */
export interface RetryPolicy {
  /** Total tries per request (or per blob upload), including the first. */
  readonly attempts: number;
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
  /** One request, body included; a request that takes longer counts as a retryable timeout. */
  readonly requestTimeoutMs: number;
}

export const defaultRetryPolicy: RetryPolicy = {
  attempts: 5,
  initialDelayMs: 200,
  maxDelayMs: 5_000,
  requestTimeoutMs: 30_000,
};

/** Exponential backoff with full jitter: attempt 1 waits up to initial, attempt 2 up to 2×initial, … */
export const backoffDelayMs = (policy: RetryPolicy, retry: number, random: () => number = Math.random): number =>
  Math.round(random() * Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** (retry - 1)));
