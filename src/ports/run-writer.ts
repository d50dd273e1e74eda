import { Context, Data, type Effect } from "effect";
import type { RunRef } from "../domain/run/run-ref.ts";
import type { ClusterUnavailable } from "./cluster.ts";

/**
 * One write to a run: chains annotations to set and finalizer changes, applied atomically.
 * Other annotations and finalizers on the object are never touched.
 */
export interface RunWrite {
  /** Every key must start with `chains.tekton.dev/`. */
  readonly annotations?: Readonly<Record<string, string>>;
  /** Chains annotations to delete (e.g. `signed` and `retries`, to sign a run again). */
  readonly removeAnnotations?: ReadonlyArray<string>;
  /**
   * Added only while the live run is not yet signed or failed: a finalizer write still in flight
   * when the run is signed must not put it back (issue 13).
   */
  readonly addFinalizer?: string;
  readonly removeFinalizer?: string;
  /** Only write if the run still has this uid (it was not deleted and re-created meanwhile). */
  readonly uid: string;
}

/** The run no longer exists, or was re-created with another uid. */
export class RunGone extends Data.TaggedError("RunGone")<{ readonly run: string }> {}

/** A key outside `chains.tekton.dev/` was about to be written. */
export class ForeignAnnotation extends Data.TaggedError("ForeignAnnotation")<{ readonly key: string }> {}

/** The only writes chains makes to runs: its annotations and its finalizer. */
export class RunWriter extends Context.Service<
  RunWriter,
  {
    /** Applies one atomic write and returns the updated raw object. */
    readonly writeRun: (
      ref: RunRef,
      write: RunWrite,
    ) => Effect.Effect<unknown, ClusterUnavailable | RunGone | ForeignAnnotation>;
  }
>()("chains-ts/RunWriter") {}
