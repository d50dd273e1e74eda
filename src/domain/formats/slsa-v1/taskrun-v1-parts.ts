import { goJson } from "../../serialization/go-json.ts";
import { paramValueToGo } from "../../serialization/param-value.ts";
import { mergeSubjects, type DigestedArtifact } from "../../type-hinting/digest-set.ts";
import { artifactInputs, gitMaterial, type Material } from "../../type-hinting/input-hints.ts";
import { subjectsV2alpha4 } from "../../type-hinting/output-hints.ts";
import { runResults, stepStatuses, stringAt, type NamedValue } from "../../type-hinting/run-view.ts";
import type { Warn } from "../format-types.ts";
import { taskRunSubjectsV02 } from "../slsa-v02/taskrun-v02.ts";
import { fromMaterial, type ResourceDescriptor } from "./resource-descriptor.ts";
import type { SlsaV1Version } from "./v1-version.ts";

/** TaskRun pieces of the SLSA v1.0 formats, also used for PipelineRun children. */

export const inputResultName = "inputs/result";

export const jsonMediaType = "application/json";

/** v2alpha4 step-result inputs: each step's CHAINS-GIT pair, then all steps' ARTIFACT_INPUTS. */
export const stepResultInputs = (taskRun: unknown, warn: Warn): ReadonlyArray<Material> => {
  const steps = stepStatuses(taskRun);
  return [...steps.flatMap((s) => gitMaterial([], s.results)), ...artifactInputs(steps.flatMap((s) => s.results), warn)];
};

/** `stepAction/<step>` for every step resolved from a remote StepAction. */
export const stepActionDependencies = (taskRun: unknown): ReadonlyArray<ResourceDescriptor> =>
  stepStatuses(taskRun).flatMap((s) =>
    s.refSource === undefined ? [] : [{ name: `stepAction/${s.name}`, uri: s.refSource.uri, digest: s.refSource.digest }],
  );

export const taskRunSubjectsV1 = (taskRun: unknown, version: SlsaV1Version, warn: Warn): ReadonlyArray<DigestedArtifact> => {
  if (!version.stepActions) return taskRunSubjectsV02(taskRun, warn);
  const fromSteps = stepStatuses(taskRun).reduce<ReadonlyArray<DigestedArtifact>>(
    (acc, step) => mergeSubjects(acc, subjectsV2alpha4(step.results, warn)),
    [],
  );
  return mergeSubjects(fromSteps, subjectsV2alpha4(runResults(taskRun), warn));
};

const isV2alpha4Byproduct = (r: NamedValue): boolean => {
  if (r.name.endsWith("ARTIFACT_OUTPUTS") && (r.value.type !== "object" || r.value.object["isBuildArtifact"] === "true"))
    return false;
  return !(r.name.endsWith("IMAGE_URL") || r.name.endsWith("IMAGE_DIGEST") || r.name === "IMAGES");
};

export const resultByproducts = (results: ReadonlyArray<NamedValue>, name: (result: string) => string, filter: boolean) =>
  results
    .filter((r) => !filter || isV2alpha4Byproduct(r))
    .map((r): ResourceDescriptor => ({ name: name(r.name), content: goJson(paramValueToGo(r.value)), mediaType: jsonMediaType }));

export const taskRunByproducts = (taskRun: unknown, version: SlsaV1Version): ReadonlyArray<ResourceDescriptor> => {
  if (!version.stepActions) return resultByproducts(runResults(taskRun), (r) => `taskRunResults/${r}`, false);
  const trName = stringAt(taskRun, "metadata", "name");
  return [
    ...resultByproducts(runResults(taskRun), (r) => `taskRunResults/${trName}/${r}`, true),
    ...resultByproducts(
      stepStatuses(taskRun).flatMap((s) => s.results),
      (r) => `stepResults/${trName}/${r}`,
      true,
    ),
  ];
};

export const materialsAs = (materials: ReadonlyArray<Material>, name?: string): ReadonlyArray<ResourceDescriptor> =>
  materials.map((m) => fromMaterial(m, name));
