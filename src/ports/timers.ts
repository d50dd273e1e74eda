import { Context } from "effect";

/** What `setTimeout` returns, for `clearTimeout`; only the `Timers` that made it knows what it is. */
export type TimerHandle = unknown;

/**
 * One-shot timers, replaceable in tests: the controller's waits (its run charts' retry, release
 * retry and child-wait delays, its config refresh, its shutdown grace) all run on the one it is
 * given, so a test moves time on instead of waiting for it. Its first two arguments are those of
 * xstate's `Clock`, so it is handed to each run's actor as is.
 */
export class Timers extends Context.Service<
  Timers,
  {
    /**
     * Calls `callback` once, `ms` from now. A `background` timer does not keep the process alive
     * by itself (a periodic refresh, a bound on a wait for something else).
     */
    readonly setTimeout: (callback: () => void, ms: number, options?: { readonly background?: boolean }) => TimerHandle;
    /** Cancels a timer that has not fired; one that has, or `undefined`, is ignored. */
    readonly clearTimeout: (handle: TimerHandle) => void;
  }
>()("chains-ts/Timers") {}
