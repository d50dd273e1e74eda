import { mergeSubjects, type DigestedArtifact } from "../../type-hinting/digest-set.ts";
import { runRefSource, runResults, stringAt } from "../../type-hinting/run-view.ts";
import { goJson } from "../../serialization/go-json.ts";
import { goValueAs } from "../../serialization/go-type.ts";
import { taskRun as taskRunType } from "../../serialization/tekton-types.ts";
import { subjectsV2alpha4 } from "../../type-hinting/output-hints.ts";
import type { RunPayloadInput, Warn } from "../format-types.ts";
import { statementJson, statementV1 } from "../in-toto-statement.ts";
import { executedChildren } from "../pipeline-children.ts";
import { pipelineRunInputs, pipelineRunSubjectsV02 } from "../slsa-v02/pipelinerun-v02.ts";
import { imageMaterials, taskRunInputs } from "../slsa-v02/taskrun-v02.ts";
import { externalParameters, internalParameters, predicateTypeV1, runMetadataV1 } from "./build-definition.ts";
import { descriptorJson, removeDuplicateDependencies, type ResourceDescriptor } from "./resource-descriptor.ts";
import {
  inputResultName,
  materialsAs,
  resultByproducts,
  stepActionDependencies,
  stepResultInputs,
  taskRunByproducts,
  taskRunSubjectsV1,
} from "./taskrun-v1-parts.ts";
import type { SlsaV1Version } from "./v1-version.ts";

/** SLSA v1.0 provenance (`slsa/v2alpha3`, `slsa/v2alpha4`), formats.md §4. */

const listOrAbsent = (list: ReadonlyArray<ResourceDescriptor>) => (list.length === 0 ? undefined : list.map(descriptorJson));

const taskRunDependencies = (tr: unknown, version: SlsaV1Version, warn: Warn): ReadonlyArray<ResourceDescriptor> => {
  const source = runRefSource(tr);
  const task: ReadonlyArray<ResourceDescriptor> =
    source === undefined ? [] : [{ name: "task", uri: source.uri, digest: source.digest }];
  const rest: ReadonlyArray<ResourceDescriptor> = [
    ...materialsAs(imageMaterials(tr, warn)),
    ...(version.stepActions ? [...materialsAs(stepResultInputs(tr, warn), inputResultName), ...stepActionDependencies(tr)] : []),
    ...materialsAs(taskRunInputs(tr, warn), inputResultName),
  ];
  return [...task, ...removeDuplicateDependencies(rest)];
};

const pipelineTaskDependencies = (
  child: unknown,
  input: RunPayloadInput,
  version: SlsaV1Version,
  warn: Warn,
): ReadonlyArray<ResourceDescriptor> => {
  const source = runRefSource(child);
  const tekton = input.options.buildType === "https://tekton.dev/chains/v2/slsa-tekton";
  const pipelineTask: ReadonlyArray<ResourceDescriptor> = tekton
    ? [{ name: "pipelineTask", uri: source?.uri, digest: source?.digest, content: goJson(goValueAs(taskRunType, child)) }]
    : source === undefined
      ? []
      : [{ name: "pipelineTask", uri: source.uri, digest: source.digest }];
  return [
    ...pipelineTask,
    ...(version.stepActions ? stepActionDependencies(child) : []),
    ...materialsAs(imageMaterials(child, warn)),
  ];
};

const pipelineRunDependencies = (input: RunPayloadInput, version: SlsaV1Version, warn: Warn): ReadonlyArray<ResourceDescriptor> => {
  const pr = input.run;
  const deep = input.options.deepInspection;
  const source = runRefSource(pr);
  const children = executedChildren(pr, input.children);
  return removeDuplicateDependencies([
    ...(source === undefined ? [] : [{ name: "pipeline", uri: source.uri, digest: source.digest }]),
    ...children.flatMap((child) => pipelineTaskDependencies(child, input, version, warn)),
    ...(version.stepActions && deep ? children.flatMap((child) => materialsAs(stepResultInputs(child, warn), inputResultName)) : []),
    ...materialsAs(pipelineRunInputs(pr, input.children, deep, warn), inputResultName),
  ]);
};

const pipelineRunSubjectsV1 = (input: RunPayloadInput, version: SlsaV1Version, warn: Warn): ReadonlyArray<DigestedArtifact> => {
  const pr = input.run;
  const deep = input.options.deepInspection;
  if (!version.stepActions) return pipelineRunSubjectsV02(pr, input.children, deep, warn);
  const own = mergeSubjects([], subjectsV2alpha4(runResults(pr), warn));
  if (!deep) return own;
  return executedChildren(pr, input.children).reduce<ReadonlyArray<DigestedArtifact>>(
    (acc, child) => mergeSubjects(acc, taskRunSubjectsV1(child, version, warn)),
    own,
  );
};

const pipelineRunByproducts = (input: RunPayloadInput, version: SlsaV1Version): ReadonlyArray<ResourceDescriptor> => {
  const pr = input.run;
  if (!version.stepActions) return resultByproducts(runResults(pr), (r) => `pipelineRunResults/${r}`, false);
  const prName = stringAt(pr, "metadata", "name");
  return [
    ...resultByproducts(runResults(pr), (r) => `pipelineRunResults/${prName}/${r}`, true),
    ...(input.options.deepInspection
      ? executedChildren(pr, input.children).flatMap((child) => taskRunByproducts(child, version))
      : []),
  ];
};

export const provenanceV1 = (version: SlsaV1Version) => (input: RunPayloadInput, warn: Warn): string => {
  const run = input.run;
  const isTaskRun = input.kind === "TaskRun";
  const predicate = {
    buildDefinition: {
      buildType: input.options.buildType,
      externalParameters: externalParameters(input.kind, run),
      internalParameters: internalParameters(run, input.options),
      resolvedDependencies: listOrAbsent(
        isTaskRun ? taskRunDependencies(run, version, warn) : pipelineRunDependencies(input, version, warn),
      ),
    },
    runDetails: {
      builder: { id: input.options.builderId },
      byproducts: listOrAbsent(isTaskRun ? taskRunByproducts(run, version) : pipelineRunByproducts(input, version)),
      metadata: runMetadataV1(run),
    },
  };
  const subjects = isTaskRun ? taskRunSubjectsV1(run, version, warn) : pipelineRunSubjectsV1(input, version, warn);
  return statementJson(statementV1, subjects, predicateTypeV1, predicate);
};
