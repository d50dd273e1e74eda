import { Data } from "effect";
import type { ChainsConfig, RunFormatName } from "../config/chains-config.ts";
import type { FormatWarning, Warn } from "../type-hinting/format-warning.ts";

export type { FormatWarning, Warn };

export interface ProvenanceOptions {
  readonly builderId: string;
  readonly buildType: ChainsConfig["buildType"];
  readonly deepInspection: boolean;
}

export class PayloadCreationFailed extends Data.TaggedError("PayloadCreationFailed")<{
  readonly format: string;
  readonly reason: string;
}> {
  override get message(): string {
    return `cannot create the ${this.format} payload: ${this.reason}`;
  }
}

export interface RunPayload {
  /** The exact UTF-8 text to sign. */
  readonly payload: string;
  /** Whether the payload is DSSE-wrapped (in-toto) before signing. */
  readonly dsse: boolean;
  readonly warnings: ReadonlyArray<FormatWarning>;
}

export type RunKind = "TaskRun" | "PipelineRun";

export interface RunPayloadInput {
  readonly kind: RunKind;
  /** The run as raw JSON. */
  readonly run: unknown;
  /** PipelineRuns: the child TaskRuns as raw JSON, in child-reference order. */
  readonly children: ReadonlyArray<unknown>;
  readonly format: RunFormatName;
  readonly options: ProvenanceOptions;
}

/** One chains-config format: turns a run into the text to sign. */
export interface RunFormatter {
  readonly dsse: boolean;
  readonly create: (input: RunPayloadInput, warn: Warn) => string;
}
