import type { RunKind } from "../run/run-object.ts";

/**
 * The Lease Tekton Chains' controller for `kind` holds with the default single bucket
 * (controller.md §5: `watcher.<queue name>.00-of-01`, lowercased, the queue name being the
 * reconciler's Go type path). chains-ts contends for the very same Leases, so during a switch-over
 * from Tekton Chains the two never sign the same kind of run at once.
 */
export const leaseNameFor = (kind: RunKind): string =>
  `watcher.github.com.tektoncd.chains.pkg.reconciler.${kind === "TaskRun" ? "taskrun" : "pipelinerun"}.reconciler.00-of-01`;
