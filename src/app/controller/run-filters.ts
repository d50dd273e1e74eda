import type { ChainsConfig } from "../../domain/config/chains-config.ts";
import type { RunObject } from "../../domain/run/run-object.ts";

/** Tekton Pipelines' own `spec.managedBy` value, always processed. */
const PIPELINES_MANAGER = "tekton.dev/pipeline";

/**
 * Whether chains-ts acts on a run at all: its namespace is watched (`--namespace`) and it is
 * managed by Tekton Pipelines or a manager named in `filter.managed-by`. Applied on every path,
 * start-up included (reference defect #3).
 */
export const isProcessed = (run: RunObject, namespaces: ReadonlyArray<string>, config: ChainsConfig): boolean => {
  if (namespaces.length > 0 && !namespaces.includes(run.metadata.namespace)) return false;
  const managedBy = run.spec?.managedBy;
  return (
    managedBy === undefined || managedBy === "" || managedBy === PIPELINES_MANAGER || config.managedBy.includes(managedBy)
  );
};
