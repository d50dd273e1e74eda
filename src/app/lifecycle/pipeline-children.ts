import { Effect, Result } from "effect";
import { isTerminal, signingStateOf } from "../../domain/annotations/signing-state.ts";
import { decodeRunObject, type RunObject } from "../../domain/run/run-object.ts";
import { runKey, type RunRef } from "../../domain/run/run-ref.ts";
import { RunSource } from "../../ports/run-source.ts";

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

/**
 * The children's state from the cache, with every child the cache lacks read once from the cluster
 * before it counts as missing: the cache may not hold it (a signed child not linked to the
 * PipelineRun, or one not delivered yet). A read that fails leaves the child missing.
 */
export const pipelineChildrenWithReads = (
  pipelineRun: RunObject,
  cached: (ref: RunRef) => RunObject | undefined,
): Effect.Effect<ChildrenState, never, RunSource> =>
  Effect.gen(function* () {
    const fromCache = pipelineChildren(pipelineRun, cached);
    if (fromCache.missing.length === 0) return fromCache;
    const runs = yield* RunSource;
    const read = new Map<string, RunObject>();
    for (const name of fromCache.missing) {
      const ref: RunRef = { kind: "TaskRun", namespace: pipelineRun.metadata.namespace, name };
      const object = yield* Effect.result(runs.readRun(ref));
      if (Result.isFailure(object)) {
        yield* Effect.logWarning(`could not read child ${runKey(ref)}: ${object.failure.reason}`);
        continue;
      }
      if (object.success === undefined) continue;
      const decoded = decodeRunObject(object.success);
      if (Result.isSuccess(decoded)) read.set(runKey(ref), decoded.success);
    }
    return read.size === 0 ? fromCache : pipelineChildren(pipelineRun, (ref) => cached(ref) ?? read.get(runKey(ref)));
  });
