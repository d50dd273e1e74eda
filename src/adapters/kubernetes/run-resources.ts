import type { RunKind } from "../../domain/run/run-object.ts";
import type { TektonVersion } from "./tekton-api-version.ts";

export const TEKTON_GROUP = "tekton.dev";

export const pluralOf = (kind: RunKind): "taskruns" | "pipelineruns" => (kind === "TaskRun" ? "taskruns" : "pipelineruns");

/** The REST path of a run collection: cluster-wide, or in one namespace. */
export const runCollectionPath = (version: TektonVersion, kind: RunKind, namespace: string | undefined): string =>
  namespace === undefined
    ? `/apis/${TEKTON_GROUP}/${version}/${pluralOf(kind)}`
    : `/apis/${TEKTON_GROUP}/${version}/namespaces/${encodeURIComponent(namespace)}/${pluralOf(kind)}`;
