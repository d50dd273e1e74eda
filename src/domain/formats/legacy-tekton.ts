import { goJson } from "../serialization/go-json.ts";
import { goValueAs } from "../serialization/go-type.ts";
import { pipelineRunStatus, taskRunStatus } from "../serialization/tekton-types.ts";
import { at } from "../type-hinting/run-view.ts";
import type { RunPayloadInput, Warn } from "./format-types.ts";

/** The deprecated `tekton` format: the run's `status` as Go JSON. */
export const legacyTektonPayload = (input: RunPayloadInput, warn: Warn): string => {
  warn({
    code: "deprecated-format",
    message: `the "tekton" format is deprecated and signs only the run's status; use "slsa/v2alpha4"`,
  });
  return goJson(goValueAs(input.kind === "TaskRun" ? taskRunStatus : pipelineRunStatus, at(input.run, "status") ?? {}));
};
