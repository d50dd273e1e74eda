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

/** The REST path of one run, for GET and PATCH. */
export const runPath = (version: TektonVersion, ref: RunRef): string =>
  `${runCollectionPath(version, ref.kind, ref.namespace)}/${encodeURIComponent(ref.name)}`;

/** One page of a run list: the `limit` and `continue` query of a list request. */
export const listPageQuery = (limit: number, continueToken: string | undefined) => ({ limit, continue: continueToken });
