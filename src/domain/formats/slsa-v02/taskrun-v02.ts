import { statementJson, statementV01 } from "../in-toto-statement.ts";
import type { RunPayloadInput, Warn } from "../format-types.ts";
import { mergeSubjects } from "../../type-hinting/digest-set.ts";
import { artifactInputs, gitMaterial, imageIdMaterial, type Material } from "../../type-hinting/input-hints.ts";
import { subjectsV02 } from "../../type-hinting/output-hints.ts";
import {
  runParams,
  runRefSource,
  runResults,
  sidecarImageIDs,
  specParamDefaults,
  specSteps,
  stepStatuses,
} from "../../type-hinting/run-view.ts";
import {
  invocation,
  materialsJson,
  mergeMaterials,
  metadataV02,
  predicateTypeV02,
  stepAttestation,
} from "./v02-common.ts";

/** Step and sidecar images of a TaskRun as materials. */
export const imageMaterials = (taskRun: unknown, warn: Warn): ReadonlyArray<Material> => [
  ...stepStatuses(taskRun).flatMap((s) => imageIdMaterial(s.imageID, `step ${s.name}`, warn)),
  ...sidecarImageIDs(taskRun).flatMap((id) => imageIdMaterial(id, "sidecar", warn)),
];

/** CHAINS-GIT pair, then ARTIFACT_INPUTS, of a TaskRun. */
export const taskRunInputs = (taskRun: unknown, warn: Warn): ReadonlyArray<Material> => [
  ...gitMaterial(specParamDefaults(taskRun, "taskSpec"), runParams(taskRun), runResults(taskRun)),
  ...artifactInputs(runResults(taskRun), warn),
];

/** The invocation of a TaskRun (also used for PipelineRun tasks). */
export const taskRunInvocation = (taskRun: unknown) =>
  invocation(taskRun, runParams(taskRun), specParamDefaults(taskRun, "taskSpec"), runRefSource(taskRun));

export const taskRunSubjectsV02 = (taskRun: unknown, warn: Warn) => mergeSubjects([], subjectsV02(runResults(taskRun), warn));

export const taskRunV02 = (input: RunPayloadInput, warn: Warn): string => {
  const tr = input.run;
  const spec = specSteps(tr) ?? [];
  const steps = stepStatuses(tr).map((s) =>
    stepAttestation(
      spec.find((step) => step.name === s.name),
      s.name,
      s.imageID,
    ),
  );
  const materials = mergeMaterials([], [...imageMaterials(tr, warn), ...taskRunInputs(tr, warn)]);
  const predicate = {
    buildConfig: { steps },
    buildType: "tekton.dev/v1/TaskRun",
    builder: { id: input.options.builderId },
    invocation: taskRunInvocation(tr),
    materials: materialsJson(materials),
    metadata: metadataV02(tr),
  };
  return statementJson(statementV01, taskRunSubjectsV02(tr, warn), predicateTypeV02, predicate);
};
