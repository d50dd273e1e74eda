import type { RunKind } from "../../domain/run/run-object.ts";
import type { RunRef } from "../../domain/run/run-ref.ts";
import type { TektonVersion } from "./tekton-api-version.ts";

export const TEKTON_GROUP = "tekton.dev";

export const pluralOf = (kind: RunKind): "taskruns" | "pipelineruns" => (kind === "TaskRun" ? "taskruns" : "pipelineruns");

/** The REST path of a run collection: cluster-wide, or in one namespace. */
export const runCollectionPath = (version: TektonVersion, kind: RunKind, namespace: string | undefined): string =>
  namespace === undefined
    ? `/apis/${TEKTON_GROUP}/${version}/${pluralOf(kind)}`
    : `/apis/${TEKTON_GROUP}/${version}/namespaces/${encodeURIComponent(namespace)}/${pluralOf(kind)}`;

/** The client's coordinates of one run, for GET and PATCH. */
export const runTarget = (version: TektonVersion, ref: RunRef) => ({
  group: TEKTON_GROUP,
  version,
  plural: pluralOf(ref.kind),
  namespace: ref.namespace,
  name: ref.name,
});
