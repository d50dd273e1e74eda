import type { ManualClock } from "../../src/adapters/memory/manual-clock.ts";
import { DEFAULT_WAIT_MS } from "./until.ts";

/** One turn of the event loop, in which in-process work (watch deliveries, effects) moves on. */
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Turns the in-process work gets between two moves of the clock: enough for a pass to reach its next wait. */
const TURNS_PER_MOVE = 10;

/**
 * Waits until `condition` holds while time passes on `clock` only as a controller waiting for it
 * would see it pass: the in-process work gets a few turns of the event loop, then the clock jumps
 * to the next timer due (a retry, a release retry, a child wait, the config refresh), and again.
 * Fails once the next timer lies beyond `withinMs` of simulated time; the real-time deadline only
 * guards against a hang.
 */
export const advanceUntil = async (clock: ManualClock, condition: () => boolean, what: string, withinMs = Number.POSITIVE_INFINITY): Promise<void> => {
  const start = clock.now().getTime();
  const deadline = Date.now() + DEFAULT_WAIT_MS;
  for (;;) {
    for (let i = 0; i < TURNS_PER_MOVE; i++) {
      if (condition()) return;
      await turn();
    }
    const next = clock.pendingDelays()[0];
    if (next === undefined || clock.now().getTime() + next - start > withinMs || Date.now() > deadline)
      throw new Error(`timed out waiting for ${what} (after ${clock.now().getTime() - start} ms of simulated time)`);
    clock.advance(next);
  }
};

/** `promise`'s value, moving time on `clock` as `advanceUntil` does until it settles. */
export const advancing = async <A>(clock: ManualClock, promise: Promise<A>, what: string): Promise<A> => {
  let settled = false;
  const watched = promise.finally(() => (settled = true));
  // Its rejection is the caller's, when awaited below; not an unhandled one meanwhile.
  watched.catch(() => undefined);
  await advanceUntil(clock, () => settled, what);
  return watched;
};
