import { KubeConfigUnusable } from "../../adapters/kubernetes/kube-config.ts";
import { ClusterRequestFailed } from "../../adapters/kubernetes/cluster-runs.ts";
import { TektonApiMissing } from "../../adapters/kubernetes/tekton-api-version.ts";
import { ClusterUnavailable } from "../../ports/cluster.ts";

/** The one-line reason a cluster could not be used or answered, or undefined for any other error (a bug). */
export const clusterFailure = (error: unknown): string | undefined =>
  error instanceof KubeConfigUnusable || error instanceof TektonApiMissing || error instanceof ClusterRequestFailed
    ? error.message
    : error instanceof ClusterUnavailable
      ? `${error.operation}: ${error.reason}`
      : undefined;
