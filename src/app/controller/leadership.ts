import type { RunKind } from "../../domain/run/run-object.ts";
import type { RunRef } from "../../domain/run/run-ref.ts";

/** What decides a run's bucket: its namespace and name (knative hashes `namespace/name`). */
export type RunName = Pick<RunRef, "namespace" | "name">;

/**
 * Whether this replica may process a run: it leads the bucket of the run's kind that the run falls
 * in. The controller watches and caches every run either way, so a replica that gains a bucket
 * starts from a warm cache.
 */
export interface Leadership {
  readonly leads: (kind: RunKind, run: RunName) => boolean;
  /**
   * `listener` hears every gain and loss of a bucket, with the test for the runs in it; returns
   * the unsubscribe function.
   */
  readonly subscribe: (listener: (kind: RunKind, leading: boolean, inBucket: (run: RunName) => boolean) => void) => () => void;
}

/** A single replica (the embedded harness, the demo, `--leader-elect=false`): it always leads. */
export const soleLeader: Leadership = {
  leads: () => true,
  subscribe: () => () => undefined,
};
