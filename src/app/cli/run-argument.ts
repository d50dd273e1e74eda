import type { RunKind } from "../../domain/run/run-object.ts";

/** A run named on the command line as kubectl and tkn name them. */
export interface RunArgument {
  readonly kind: RunKind;
  readonly name: string;
}

const KINDS: Readonly<Record<string, RunKind>> = {
  taskrun: "TaskRun",
  taskruns: "TaskRun",
  tr: "TaskRun",
  pipelinerun: "PipelineRun",
  pipelineruns: "PipelineRun",
  pr: "PipelineRun",
};

/** `taskrun/NAME` or `pipelinerun/NAME` (also `taskruns/`, `tr/`, `pipelineruns/`, `pr/`); undefined for anything else. */
export const parseRunArgument = (text: string): RunArgument | undefined => {
  const slash = text.indexOf("/");
  const word = text.slice(0, slash).toLowerCase();
  const kind = slash > 0 && Object.hasOwn(KINDS, word) ? KINDS[word] : undefined;
  const name = text.slice(slash + 1);
  return kind === undefined || name === "" || name.includes("/") ? undefined : { kind, name };
};
