import { goValueAs } from "../../serialization/go-type.ts";
import { taskRef, taskRunResult } from "../../serialization/tekton-types.ts";
import { mergeSubjects, type DigestedArtifact } from "../../type-hinting/digest-set.ts";
import { artifactInputs, gitMaterial, type Material } from "../../type-hinting/input-hints.ts";
import { subjectsV02 } from "../../type-hinting/output-hints.ts";
import {
  arrayAt,
  at,
  runParams,
  runRefSource,
  runResults,
  specParamDefaults,
  specSteps,
  stepStatuses,
  stringAt,
} from "../../type-hinting/run-view.ts";
import type { RunPayloadInput, Warn } from "../format-types.ts";
import { statementJson, statementV01 } from "../in-toto-statement.ts";
import { childrenOfTask, executedChildren, hasCompleted, pipelineTasks } from "../pipeline-children.ts";
import { taskOrder } from "../task-order.ts";
import { imageMaterials, taskRunInputs, taskRunInvocation } from "./taskrun-v02.ts";
import {
  invocation,
  materialsJson,
  mergeMaterials,
  metadataV02,
  predicateTypeV02,
  stepAttestation,
  timeV02,
} from "./v02-common.ts";

const conditionStatus = (taskRun: unknown): string | undefined => {
  const first = arrayAt(taskRun, "status", "conditions")[0];
  switch (stringAt(first, "status")) {
    case "Unknown":
      return "Running";
    case "True":
      return "Succeeded";
    case "False":
      return "Failed";
    default:
      return undefined;
  }
};

/** Steps paired by index; `undefined` when the child must be left out of `buildConfig`. */
const indexedSteps = (taskRun: unknown) => {
  const spec = specSteps(taskRun);
  if (spec === undefined) return undefined;
  const status = stepStatuses(taskRun);
  if (spec.length !== status.length) return undefined;
  if (status.some((s, i) => s.name.startsWith("unnamed-") && spec[i]!.name !== "")) return undefined;
  return status.map((s, i) => stepAttestation(spec[i], s.name, s.imageID));
};

const buildConfigTasks = (pr: unknown, children: ReadonlyArray<unknown>, warn: Warn) => {
  const entries = pipelineTasks(pr);
  if (entries === undefined) return null;
  const serviceAccountName = stringAt(pr, "spec", "taskRunTemplate", "serviceAccountName");
  const tasks: Array<unknown> = [];
  let lastNonFinally = "";
  for (const entry of entries) {
    const mine = childrenOfTask(children, entry.name);
    for (const child of mine.filter(hasCompleted)) {
      const steps = indexedSteps(child);
      if (steps === undefined) {
        warn({
          code: "skipped-task",
          message: `TaskRun ${stringAt(child, "metadata", "name")} left out of buildConfig: its status steps do not match status.taskSpec.steps`,
        });
        continue;
      }
      const after = taskOrder(entry.task);
      if (after.length === 0 && entry.isFinally && lastNonFinally !== "") after.push(lastNonFinally);
      const ref = at(entry.task, "taskRef");
      const results = arrayAt(child, "status", "results");
      tasks.push({
        after: after.length === 0 ? undefined : after,
        finishedOn: timeV02(at(child, "status", "completionTime")),
        invocation: taskRunInvocation(child),
        name: entry.name,
        ref: goValueAs(taskRef, ref ?? {}),
        results: results.length === 0 ? undefined : results.map((r) => goValueAs(taskRunResult, r)),
        serviceAccountName: serviceAccountName === "" ? undefined : serviceAccountName,
        startedOn: timeV02(at(child, "status", "startTime")),
        status: conditionStatus(child),
        steps: steps.length === 0 ? undefined : steps,
      });
    }
    if (!entry.isFinally && mine.length > 0) lastNonFinally = entry.name;
  }
  return tasks;
};

/** ARTIFACT_INPUTS, (deep) children's inputs, then the pipeline CHAINS-GIT pair. */
export const pipelineRunInputs = (
  pr: unknown,
  children: ReadonlyArray<unknown>,
  deep: boolean,
  warn: Warn,
): ReadonlyArray<Material> => [
  ...artifactInputs(runResults(pr), warn),
  ...(deep ? executedChildren(pr, children).flatMap((child) => taskRunInputs(child, warn)) : []),
  ...gitMaterial(specParamDefaults(pr, "pipelineSpec"), runParams(pr), runResults(pr)),
];

const pipelineMaterials = (pr: unknown, children: ReadonlyArray<unknown>, deep: boolean, warn: Warn) => {
  const source = runRefSource(pr);
  const fromChildren = executedChildren(pr, children).flatMap((child) => {
    const childSource = runRefSource(child);
    return [...imageMaterials(child, warn), ...(childSource === undefined ? [] : [{ uri: childSource.uri, digest: childSource.digest }])];
  });
  return mergeMaterials(
    [],
    [
      ...(source === undefined ? [] : [{ uri: source.uri, digest: source.digest }]),
      ...fromChildren,
      ...pipelineRunInputs(pr, children, deep, warn),
    ],
  );
};

/** v0.2 / v2alpha3 PipelineRun subjects: (deep) children first, then the PipelineRun's. */
export const pipelineRunSubjectsV02 = (
  pr: unknown,
  children: ReadonlyArray<unknown>,
  deep: boolean,
  warn: Warn,
): ReadonlyArray<DigestedArtifact> => {
  const own = subjectsV02(runResults(pr), warn);
  if (!deep) return mergeSubjects([], own);
  const fromChildren = executedChildren(pr, children).reduce<ReadonlyArray<DigestedArtifact>>(
    (acc, child) => mergeSubjects(acc, subjectsV02(runResults(child), warn)),
    [],
  );
  return mergeSubjects(fromChildren, own);
};

export const pipelineRunV02 = (input: RunPayloadInput, warn: Warn): string => {
  const pr = input.run;
  const deep = input.options.deepInspection;
  const predicate = {
    buildConfig: { tasks: buildConfigTasks(pr, input.children, warn) },
    buildType: "tekton.dev/v1/PipelineRun",
    builder: { id: input.options.builderId },
    invocation: invocation(pr, runParams(pr), specParamDefaults(pr, "pipelineSpec"), runRefSource(pr)),
    materials: materialsJson(pipelineMaterials(pr, input.children, deep, warn)),
    metadata: metadataV02(pr),
  };
  return statementJson(statementV01, pipelineRunSubjectsV02(pr, input.children, deep, warn), predicateTypeV02, predicate);
};
