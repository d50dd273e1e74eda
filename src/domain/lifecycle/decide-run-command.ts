import type { RunObject } from "../run/run-object.ts";
import { type Lane, nothingToSign, observeRun, releaseOwed, type RunObservation } from "./run-observation.ts";

export type { Lane };

/** What the controller knows of a run besides its object. */
export interface CachedRunState {
  /** The uid of the run whose chart is alive under this key, if one is. */
  readonly chartUid: string | undefined;
  /**
   * The uid of the run whose chart ended with the run's last write (signed, failed or released),
   * while the watch has not yet shown that write: sightings before it are late, not new work.
   */
  readonly endedUid: string | undefined;
  /** How the run was seen: a live change, or the start-up list before the first sync. */
  readonly lane: Lane;
}

/** Where an observed run goes: the chart decides everything else (`run-lifecycle-machine.ts`). */
export type RunCommand =
  | { readonly _tag: "Nothing" }
  /** A sighting from before the last write of the run's ended chart: nothing to do, and wait for that write. */
  | { readonly _tag: "Late" }
  /** Start a chart for the run (any chart left under its key, of a deleted run of that name, stops). */
  | { readonly _tag: "Start"; readonly observation: RunObservation }
  /** Tell the run's chart how the run looks now. */
  | { readonly _tag: "Observe"; readonly observation: RunObservation }
  /** The run was re-created and the new one needs nothing: the old run's chart stops. */
  | { readonly _tag: "Stop" };

/** The run as a chart leaves it when its life ends with a write: signed or failed, our finalizer off. */
export const showsLastWrite = (run: RunObservation): boolean => run.terminal && !run.holdsFinalizer;

/**
 * Routes an observed run (controller.md §2/§3, annotations.md §6): to its chart, to a new chart
 * when it has something left to sign, a finalizer to release, or a key-material failure to sign
 * again once the Secret changes (signing.md §1), or nowhere. A signed backlog costs
 * no chart and no write. Pure, so every case is a unit test.
 */
export const decideRunCommand = (run: RunObject, cached: CachedRunState): RunCommand => {
  const observation = observeRun(run, cached.lane);
  if (cached.chartUid === observation.uid) return { _tag: "Observe", observation };
  if (cached.endedUid === observation.uid && !showsLastWrite(observation)) return { _tag: "Late" };
  const owed = releaseOwed(observation) || !nothingToSign(observation) || observation.failedSecretsVersion !== undefined;
  if (owed) return { _tag: "Start", observation };
  return cached.chartUid === undefined ? { _tag: "Nothing" } : { _tag: "Stop" };
};
