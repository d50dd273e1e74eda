import type { RunKind } from "../../domain/run/run-object.ts";
import { KubeConfigUnusable } from "../../adapters/kubernetes/kube-config.ts";
import { ClusterRequestFailed } from "../../adapters/kubernetes/cluster-runs.ts";
import { TektonApiMissing } from "../../adapters/kubernetes/tekton-api-version.ts";
import { ClusterUnavailable } from "../../ports/cluster.ts";

/** A run named on the command line as kubectl and tkn name them. */
export interface RunArgument {
  readonly kind: RunKind;
  readonly name: string;
}

const KINDS: Readonly<Record<string, RunKind>> = {
  taskrun: "TaskRun",
  taskruns: "TaskRun",
  tr: "TaskRun",
  pipelinerun: "PipelineRun",
  pipelineruns: "PipelineRun",
  pr: "PipelineRun",
};

/** `taskrun/NAME` or `pipelinerun/NAME` (also `taskruns/`, `tr/`, `pipelineruns/`, `pr/`); undefined for anything else. */
export const parseRunArgument = (text: string): RunArgument | undefined => {
  const slash = text.indexOf("/");
  const kind = slash > 0 ? KINDS[text.slice(0, slash).toLowerCase()] : undefined;
  const name = text.slice(slash + 1);
  return kind === undefined || name === "" || name.includes("/") ? undefined : { kind, name };
};

/** The one-line reason a cluster could not be used or answered, or undefined for any other error (a bug). */
export const clusterFailure = (error: unknown): string | undefined =>
  error instanceof KubeConfigUnusable || error instanceof TektonApiMissing || error instanceof ClusterRequestFailed
    ? error.message
    : error instanceof ClusterUnavailable
      ? `${error.operation}: ${error.reason}`
      : undefined;
