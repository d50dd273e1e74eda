import { Duration, Effect, Random, Schedule } from "effect";

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

/**
 * The waits between tries: exponential with full jitter, capped, so retry n waits a random time up
 * to min(maxDelay, initialDelay × 2^(n-1)).
 */
export const retrySchedule = (policy: RetryPolicy): Schedule.Schedule<unknown> =>
  Schedule.exponential(Duration.millis(policy.initialDelayMs)).pipe(
    Schedule.modifyDelay(({ duration }) =>
      Effect.map(Random.next, (random) => Duration.millis(Math.round(random * Math.min(policy.maxDelayMs, Duration.toMillis(duration))))),
    ),
  );
