import type { RunObject } from "./run-object.ts";
import type { RunRef } from "./run-ref.ts";

/** The label Tekton Pipelines sets on every TaskRun of a PipelineRun, with the PipelineRun's name. */
export const PIPELINE_RUN_LABEL = "tekton.dev/pipelineRun";

/**
 * The PipelineRun a TaskRun belongs to: its controller ownerReference, else its
 * `tekton.dev/pipelineRun` label. Either link alone is enough: children created by other tooling,
 * or copied without ownerReferences, carry only the label (issue 13).
 */
export const parentPipelineRunOf = (run: RunObject): RunRef | undefined => {
  if (run.kind !== "TaskRun") return undefined;
  const owner = run.metadata.ownerReferences?.find((o) => o.kind === "PipelineRun" && o.controller === true);
  const name = owner?.name ?? run.metadata.labels?.[PIPELINE_RUN_LABEL];
  return name === undefined || name === "" ? undefined : { kind: "PipelineRun", namespace: run.metadata.namespace, name };
};
