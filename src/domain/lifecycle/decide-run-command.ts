import { finalizerFor } from "../annotations/chains-annotations.ts";
import { isTerminal, signingStateOf } from "../annotations/signing-state.ts";
import { completedAtMillis, isBeingDeleted, isDone } from "../run/run-completion.ts";
import type { RunObject } from "../run/run-object.ts";

/**
 * How a run waits for a worker: `live` (completed while we watched, and retries) is served before
 * `backlog` (found unsigned at start-up), so history never starves fresh builds (reference defect #9).
 */
export type Lane = "live" | "backlog";

/** What the controller knows of a run besides its object: the actor and write in flight for it. */
export interface CachedRunState {
  /** A lifecycle actor is working on (or parked for) this run. */
  readonly hasActor: boolean;
  /** A finalizer write for this run was sent and has not failed. */
  readonly finalizerRequested: boolean;
  /** How the run was seen: a live change, or the start-up list before the first sync. */
  readonly lane: Lane;
}

/** The one thing the controller does about a run it has just seen. */
export type RunCommand =
  | { readonly _tag: "Nothing" }
  /** The first of at most two writes per run, so a deletion waits for signing. */
  | { readonly _tag: "EnsureFinalizer"; readonly finalizer: string }
  /** Remove our finalizer: the run has nothing (more) to sign. */
  | { readonly _tag: "Release"; readonly finalizer: string }
  /** Tell the run's actor this is its last attempt. */
  | { readonly _tag: "SendDeleting" }
  /** Give the run a signing pass. */
  | { readonly _tag: "Queue"; readonly lane: Lane; readonly completedAt: number };

const NOTHING: RunCommand = { _tag: "Nothing" };

const releaseIfHeld = (run: RunObject): RunCommand => {
  const finalizer = finalizerFor(run.kind);
  return run.metadata.finalizers?.includes(finalizer) === true ? { _tag: "Release", finalizer } : NOTHING;
};

/**
 * What a leader does about an observed run (controller.md §2/§3, annotations.md §6): nothing, a
 * finalizer, a release, a deletion notice to its actor, or a pass. Pure, so every case is a unit test.
 */
export const decideRunCommand = (run: RunObject, cached: CachedRunState): RunCommand => {
  const terminal = isTerminal(signingStateOf(run.metadata.annotations));
  if (isBeingDeleted(run)) {
    if (cached.hasActor) return { _tag: "SendDeleting" };
    if (isDone(run) && !terminal) return { _tag: "Queue", lane: "live", completedAt: completedAtMillis(run) };
    // Nothing left to sign (unfinished, or signed by us or by Tekton Chains before us): let it go.
    return releaseIfHeld(run);
  }
  // A chains finalizer on a finished run only blocks its deletion, whoever left it. Only on a live
  // change: a start-up backlog of runs Tekton Chains finalized costs no writes (defect #9).
  if (terminal) return cached.lane === "live" ? releaseIfHeld(run) : NOTHING;
  if (!isDone(run)) {
    const finalizer = finalizerFor(run.kind);
    return run.metadata.finalizers?.includes(finalizer) === true || cached.finalizerRequested
      ? NOTHING
      : { _tag: "EnsureFinalizer", finalizer };
  }
  if (cached.hasActor) return NOTHING;
  return { _tag: "Queue", lane: cached.lane, completedAt: completedAtMillis(run) };
};
