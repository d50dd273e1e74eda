import { goValueAs } from "../../serialization/go-type.ts";
import { goValueOfJson } from "../../serialization/go-value.ts";
import { compareCodePoints } from "../../serialization/go-value.ts";
import { featureFlags, pipelineRunSpec, taskRunSpec } from "../../serialization/tekton-types.ts";
import { formatProtoTimestamp, parseRfc3339 } from "../../serialization/rfc3339.ts";
import { annotationsOf, at, isPresent, labelsOf, runRefSource, stringAt } from "../../type-hinting/run-view.ts";
import type { ProvenanceOptions, RunKind } from "../format-types.ts";

export const slsaBuildType = "https://tekton.dev/chains/v2/slsa";
export const predicateTypeV1 = "https://slsa.dev/provenance/v1";

/** `externalParameters`: the Go-marshalled spec, plus `buildConfigSource` for remote runs. */
export const externalParameters = (kind: RunKind, run: unknown) => {
  const refKey = kind === "TaskRun" ? "taskRef" : "pipelineRef";
  const resolver = stringAt(run, "spec", refKey, "resolver");
  const source = runRefSource(run);
  const remote = resolver !== "" && resolver !== "Cluster" && source !== undefined;
  const firstAlgorithm = source === undefined ? undefined : Object.keys(source.digest).sort(compareCodePoints)[0];
  return {
    buildConfigSource:
      !remote || source === undefined
        ? undefined
        : {
            path: source.entryPoint,
            ref: firstAlgorithm === undefined ? "" : `${firstAlgorithm}:${source.digest[firstAlgorithm]}`,
            repository: source.uri,
          },
    runSpec: goValueAs(kind === "TaskRun" ? taskRunSpec : pipelineRunSpec, at(run, "spec") ?? {}),
  };
};

/** `internalParameters` per build type (formats.md §4.2). */
export const internalParameters = (run: unknown, options: ProvenanceOptions) => {
  const flags = at(run, "status", "provenance", "featureFlags");
  const tekton = options.buildType === "https://tekton.dev/chains/v2/slsa-tekton";
  const labels = labelsOf(run);
  const annotations = annotationsOf(run);
  return {
    "tekton-pipelines-feature-flags": isPresent(run, "status", "provenance", "featureFlags")
      ? goValueAs(featureFlags, flags)
      : undefined,
    labels: tekton ? (labels === undefined ? null : goValueOfJson(labels)) : undefined,
    annotations: tekton ? (annotations === undefined ? null : goValueOfJson(annotations)) : undefined,
  };
};

const timeV1 = (raw: unknown): string | undefined => {
  const parsed = typeof raw === "string" ? parseRfc3339(raw) : undefined;
  return parsed === undefined ? undefined : formatProtoTimestamp(parsed);
};

export const runMetadataV1 = (run: unknown) => {
  const uid = stringAt(run, "metadata", "uid");
  return {
    finishedOn: timeV1(at(run, "status", "completionTime")),
    invocationId: uid === "" ? undefined : uid,
    startedOn: timeV1(at(run, "status", "startTime")),
  };
};
