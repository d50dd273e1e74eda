import type { RunFormatName } from "../config/chains-config.ts";
import type { RunFormatter } from "./format-types.ts";
import { legacyTektonPayload } from "./legacy-tekton.ts";
import { provenanceV1 } from "./slsa-v1/provenance-v1.ts";
import { v2alpha3, v2alpha4 } from "./slsa-v1/v1-version.ts";
import { pipelineRunV02 } from "./slsa-v02/pipelinerun-v02.ts";
import { taskRunV02 } from "./slsa-v02/taskrun-v02.ts";

const slsaV02: RunFormatter = {
  dsse: true,
  create: (input, warn) => (input.kind === "TaskRun" ? taskRunV02(input, warn) : pipelineRunV02(input, warn)),
};

/** Every run format, by its chains-config name (`in-toto` and `slsa/v1` are one payloader). */
export const runFormatters: ReadonlyMap<RunFormatName, RunFormatter> = new Map<RunFormatName, RunFormatter>([
  ["in-toto", slsaV02],
  ["slsa/v1", slsaV02],
  ["slsa/v2alpha3", { dsse: true, create: provenanceV1(v2alpha3) }],
  ["slsa/v2alpha4", { dsse: true, create: provenanceV1(v2alpha4) }],
  ["tekton", { dsse: false, create: legacyTektonPayload }],
]);
