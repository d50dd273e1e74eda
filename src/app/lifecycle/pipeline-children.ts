import { isTerminal, signingStateOf } from "../../domain/annotations/signing-state.ts";
import type { RunObject } from "../../domain/run/run-object.ts";
import type { RunRef } from "../../domain/run/run-ref.ts";

export interface ChildrenState {
  /** Completed children that are signed or failed, in `childReferences` order. */
  readonly ready: ReadonlyArray<RunObject>;
  /** Children that exist but are still running or not yet signed. */
  readonly pending: ReadonlyArray<RunObject>;
  /** Children named by the PipelineRun that are not (or no longer) in the cluster. */
  readonly missing: ReadonlyArray<string>;
}

/**
 * Looks up a PipelineRun's child TaskRuns. Only `kind: TaskRun` references count: a CustomRun must
 * not hold its parent forever (reference defect #4).
 */
export const pipelineChildren = (
  pipelineRun: RunObject,
  lookup: (ref: RunRef) => RunObject | undefined,
): ChildrenState => {
  const ready: Array<RunObject> = [];
  const pending: Array<RunObject> = [];
  const missing: Array<string> = [];
  for (const child of pipelineRun.status?.childReferences ?? []) {
    if (child.kind !== undefined && child.kind !== "TaskRun") continue;
    const found = lookup({ kind: "TaskRun", namespace: pipelineRun.metadata.namespace, name: child.name });
    if (found === undefined) missing.push(child.name);
    else if (found.status?.completionTime !== undefined && isTerminal(signingStateOf(found.metadata.annotations)))
      ready.push(found);
    else pending.push(found);
  }
  return { ready, pending, missing };
};
