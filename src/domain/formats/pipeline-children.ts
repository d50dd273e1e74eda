import { arrayAt, at, isPresent, labelsOf, stringAt } from "../type-hinting/run-view.ts";

/** How a PipelineRun's child TaskRuns are matched to its pipeline tasks (formats.md §6). */
export interface PipelineTaskEntry {
  readonly task: unknown;
  readonly name: string;
  readonly isFinally: boolean;
}

/** `status.pipelineSpec.tasks` then `.finally`; `undefined` when there is no `status.pipelineSpec`. */
export const pipelineTasks = (pipelineRun: unknown): ReadonlyArray<PipelineTaskEntry> | undefined => {
  if (!isPresent(pipelineRun, "status", "pipelineSpec")) return undefined;
  const entries = (key: string, isFinally: boolean) =>
    arrayAt(pipelineRun, "status", "pipelineSpec", key).map((task) => ({ task, name: stringAt(task, "name"), isFinally }));
  return [...entries("tasks", false), ...entries("finally", true)];
};

/** Children labelled `tekton.dev/pipelineTask=<name>`, in child-list order. */
export const childrenOfTask = (children: ReadonlyArray<unknown>, name: string): ReadonlyArray<unknown> =>
  children.filter((child) => {
    const labels = labelsOf(child);
    return labels !== undefined && Object.hasOwn(labels, "tekton.dev/pipelineTask") && labels["tekton.dev/pipelineTask"] === name;
  });

export const hasCompleted = (taskRun: unknown): boolean => typeof at(taskRun, "status", "completionTime") === "string";

/** Every executed child (with a `completionTime`), in pipeline-task order. */
export const executedChildren = (pipelineRun: unknown, children: ReadonlyArray<unknown>): ReadonlyArray<unknown> =>
  (pipelineTasks(pipelineRun) ?? []).flatMap((entry) => childrenOfTask(children, entry.name).filter(hasCompleted));
