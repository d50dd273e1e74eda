import { finalizerFor } from "../annotations/chains-annotations.ts";
import { isTerminal, signingStateOf } from "../annotations/signing-state.ts";
import { completedAtMillis, isBeingDeleted, isDone } from "../run/run-completion.ts";
import type { RunObject } from "../run/run-object.ts";
import { rearmableSecretsVersionOf } from "./key-material-failure.ts";

/**
 * How a run waits for a worker: `live` (completed while we watched, and retries) is served before
 * `backlog` (found unsigned at start-up), so history never starves fresh builds (reference defect #9).
 */
export type Lane = "live" | "backlog";

/** What the run's chart needs of one watched version of its run: small, so the chart holds no object. */
export interface RunObservation {
  readonly uid: string;
  readonly done: boolean;
  readonly deleting: boolean;
  /** `signed` is `true` or `failed`: nothing is left to sign. */
  readonly terminal: boolean;
  /** Failed passes recorded on the run (its `retries` annotation). */
  readonly failedPasses: number;
  /** Marked failed on the key material of this `signing-secrets` version: worth a pass once the Secret changes. */
  readonly failedSecretsVersion: string | undefined;
  /** Our finalizer is on the run. */
  readonly holdsFinalizer: boolean;
  readonly completedAt: number;
  /** A live change, or the start-up list before the first sync. */
  readonly lane: Lane;
}

export const observeRun = (run: RunObject, lane: Lane): RunObservation => {
  const state = signingStateOf(run.metadata.annotations);
  return {
    uid: run.metadata.uid,
    done: isDone(run),
    deleting: isBeingDeleted(run),
    terminal: isTerminal(state),
    failedPasses: state._tag === "Unsigned" ? state.failedPasses : 0,
    failedSecretsVersion: rearmableSecretsVersionOf(run),
    holdsFinalizer: run.metadata.finalizers?.includes(finalizerFor(run.kind)) === true,
    completedAt: completedAtMillis(run),
    lane,
  };
};

/** Nothing is left to sign: signed or failed already, or deleted before it finished. */
export const nothingToSign = (run: RunObservation): boolean => run.terminal || (run.deleting && !run.done);

/**
 * Our finalizer must come off: the run has nothing to sign and is being deleted, or it is finished
 * and this is a live change. A start-up backlog of runs Tekton Chains finalized costs no writes
 * (defect #9); a replica that leads later still releases a run being deleted.
 */
export const releaseOwed = (run: RunObservation): boolean =>
  run.holdsFinalizer && nothingToSign(run) && (run.deleting || run.lane === "live");
