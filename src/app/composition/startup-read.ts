import { Duration, Effect, Schedule } from "effect";
import type { AdapterLog } from "../../adapters/kubernetes/adapter-log.ts";
import { ClusterUnavailable } from "../../ports/cluster.ts";

/** Waits between attempts of a start-up read: doubling from `initialMs`, never longer than `maxMs` (before jitter). */
export interface StartupBackoff {
  readonly initialMs: number;
  readonly maxMs: number;
}

export const defaultStartupBackoff: StartupBackoff = { initialMs: 500, maxMs: 30_000 };

/**
 * A start-up read that retries as long as the API server gives no usable answer (`ClusterUnavailable`:
 * no connection, throttling, 5xx, missing permissions while RBAC propagates), logging one line per
 * wait with what is awaited and why. Any other failure (invalid configuration) ends it at once, so a
 * transient API error never stops the process but a bad value still does. Jittered so replicas that
 * restart together do not retry in lockstep; it never gives up by itself (interrupt it to stop).
 */
export const retryStartupRead = <A, E, R>(
  what: string,
  read: Effect.Effect<A, E, R>,
  log: AdapterLog,
  backoff: StartupBackoff = defaultStartupBackoff,
): Effect.Effect<A, E, R> =>
  Effect.retry(read, {
    schedule: Schedule.min([Schedule.exponential(Duration.millis(backoff.initialMs)), Schedule.spaced(Duration.millis(backoff.maxMs))]).pipe(
      Schedule.jittered,
      Schedule.setInputType<E>(),
      Schedule.tap(({ input, duration }) =>
        Effect.sync(() => {
          if (input instanceof ClusterUnavailable) log("warning", `waiting for ${what}: ${input.reason}; retrying in ${(Duration.toMillis(duration) / 1000).toFixed(1)} s`);
        }),
      ),
    ),
    while: (error) => error instanceof ClusterUnavailable,
  });
