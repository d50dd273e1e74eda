import { ClusterUnavailable } from "../../ports/cluster.ts";
import { describeApiError } from "./api-errors.ts";
import type { KubeApi } from "./kube-api.ts";

/** The tekton.dev versions chains-ts reads, preferred first. */
const SUPPORTED = ["v1", "v1beta1"] as const;
export type TektonVersion = (typeof SUPPORTED)[number];

export class TektonApiMissing extends Error {
  override readonly name = "TektonApiMissing";
}

/**
 * The tekton.dev version to watch and patch runs at: `v1`, or `v1beta1` on API servers of an
 * older Tekton Pipelines that do not serve v1. Read from discovery (`/apis`): a failed request is
 * `ClusterUnavailable` (worth retrying), an answer without a usable tekton.dev is `TektonApiMissing`.
 */
export const resolveTektonVersion = async (api: KubeApi): Promise<TektonVersion> => {
  let groups;
  try {
    groups = await api.call((a) => a.apis.getAPIVersions());
  } catch (error) {
    throw new ClusterUnavailable({ operation: "API discovery (/apis)", reason: describeApiError(error) });
  }
  const served = groups.groups.find((g) => g.name === "tekton.dev")?.versions.map((v) => v.version) ?? [];
  const version = SUPPORTED.find((v) => served.includes(v));
  if (version === undefined) {
    throw new TektonApiMissing(
      served.length === 0
        ? "the API server does not serve tekton.dev: is Tekton Pipelines installed?"
        : `tekton.dev is served at ${served.join(", ")}, but chains-ts needs v1 or v1beta1`,
    );
  }
  return version;
};
