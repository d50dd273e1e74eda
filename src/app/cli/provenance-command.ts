import { Result } from "effect";
import type { ChainsConfig, RunFormatName } from "../../domain/config/chains-config.ts";
import { configDataFromDocument } from "../../domain/config/config-document.ts";
import { parseChainsConfig } from "../../domain/config/parse-chains-config.ts";
import { runFormatters } from "../../domain/formats/format-registry.ts";
import {
  buildRunPayload,
  imagesToSign,
  parseImageReference,
  simpleSigningPayload,
  type FormatWarning,
  type RunKind,
} from "../../domain/formats/run-payload.ts";
import { isJsonObject as isRecord } from "../../domain/oci/json-object.ts";
import { notARunObject, unfinishedRun, unsupportedApiVersion } from "../../domain/run/run-document.ts";
import type { CliCommand } from "./command.ts";
import { provenanceHelp } from "./provenance-command-help.ts";
import { parseCommandLine } from "./command-line.ts";
import { readDocument } from "./read-document.ts";
import { UsageError } from "./usage-error.ts";


interface Arguments {
  readonly config: string | undefined;
  readonly format: string | undefined;
  readonly kind: string | undefined;
  readonly taskruns: ReadonlyArray<string>;
  readonly runFile: string;
}

const parseArguments = (argv: ReadonlyArray<string>): Arguments => {
  let config: string | undefined;
  let format: string | undefined;
  let kind: string | undefined;
  const taskruns: Array<string> = [];
  const positional = parseCommandLine(argv, ["--config", "--format", "--kind", "--taskrun"], (flag, value) => {
    if (flag === "--config") config = value;
    else if (flag === "--format") format = value;
    else if (flag === "--kind") kind = value;
    else taskruns.push(value);
  });
  if (positional.length !== 1) throw new UsageError(`expected exactly one RUN-FILE, got ${positional.length}`);
  return { config, format, kind, taskruns, runFile: positional[0]! };
};

const has = (value: unknown, key: string): boolean => isRecord(value) && value[key] !== undefined && value[key] !== null;

const decideKind = (
  args: Arguments,
  run: Readonly<Record<string, unknown>>,
  configData: Readonly<Record<string, string>>,
): RunKind => {
  const named = args.kind ?? (typeof run["kind"] === "string" ? run["kind"] : undefined);
  if (named !== undefined) {
    if (named === "TaskRun" || named === "PipelineRun") return named;
    throw new UsageError(`unsupported kind ${JSON.stringify(named)}: expected TaskRun or PipelineRun`);
  }
  const spec = run["spec"];
  const status = run["status"];
  if (has(spec, "pipelineRef") || has(spec, "pipelineSpec") || has(status, "pipelineSpec") || has(status, "childReferences"))
    return "PipelineRun";
  if (args.taskruns.length > 0) return "PipelineRun";
  if (has(spec, "taskRef") || has(spec, "taskSpec") || has(status, "taskSpec") || has(status, "podName")) return "TaskRun";
  const setsTaskRun = Object.hasOwn(configData, "artifacts.taskrun.format");
  const setsPipelineRun = Object.hasOwn(configData, "artifacts.pipelinerun.format");
  if (setsPipelineRun && !setsTaskRun) return "PipelineRun";
  return "TaskRun";
};

const writeWarnings = (warnings: ReadonlyArray<FormatWarning>): void => {
  for (const w of warnings) process.stderr.write(`chains-ts provenance: warning [${w.code}]: ${w.message}\n`);
};

const loadConfig = async (
  path: string | undefined,
): Promise<{ readonly data: Readonly<Record<string, string>>; readonly config: ChainsConfig }> => {
  const data = path === undefined ? {} : Result.getOrElse(configDataFromDocument(await readDocument(path)), (e) => {
    throw new UsageError(`${path}: ${e.message}`);
  });
  const parsed = parseChainsConfig(data);
  if (Result.isFailure(parsed)) throw new UsageError(`${path ?? "config"}: ${parsed.failure.message}`);
  for (const w of parsed.success.warnings) process.stderr.write(`chains-ts provenance: config warning: ${w}\n`);
  return { data, config: parsed.success.config };
};

const isRunFormat = (name: string): name is RunFormatName => runFormatters.has(name as RunFormatName);

const run = async (argv: ReadonlyArray<string>): Promise<number> => {
  const args = parseArguments(argv);
  const { data, config } = await loadConfig(args.config);
  const document = await readDocument(args.runFile);
  const notARun = notARunObject(document);
  if (notARun !== undefined || !isRecord(document)) throw new UsageError(`${args.runFile}: ${notARun}`);

  if (typeof document["image"] === "string" && document["spec"] === undefined && document["status"] === undefined) {
    const format = args.format ?? config.artifacts.oci.format;
    if (format !== "simplesigning") throw new UsageError(`format ${JSON.stringify(format)} does not apply to an image`);
    const image = parseImageReference(document["image"]);
    if (Result.isFailure(image)) throw new UsageError(`${args.runFile}: ${image.failure.message}`);
    process.stdout.write(simpleSigningPayload(image.success));
    return 0;
  }

  const badApiVersion = unsupportedApiVersion(document);
  if (badApiVersion !== undefined) throw new UsageError(`${args.runFile}: ${badApiVersion}`);
  const kind = decideKind(args, document, data);
  const unfinished = unfinishedRun(document, kind);
  if (unfinished?.refused === true) throw new UsageError(`${args.runFile}: ${unfinished.reason}`);
  if (unfinished !== undefined) process.stderr.write(`chains-ts provenance: warning: ${args.runFile}: ${unfinished.reason}\n`);
  const children = await Promise.all(args.taskruns.map(readDocument));
  if (args.format === "simplesigning") {
    if (kind !== "TaskRun") throw new UsageError("simplesigning payloads come from TaskRuns only");
    const { images, warnings } = imagesToSign(document);
    writeWarnings(warnings);
    process.stdout.write(images.map(simpleSigningPayload).join("\n"));
    return 0;
  }
  if (args.format !== undefined && !isRunFormat(args.format))
    throw new UsageError(`unknown format ${JSON.stringify(args.format)}: expected one of ${[...runFormatters.keys(), "simplesigning"].join(", ")}`);
  const format = args.format ?? (kind === "TaskRun" ? config.artifacts.taskrun.format : config.artifacts.pipelinerun.format);
  const result = buildRunPayload({
    kind,
    run: document,
    children,
    format,
    options: {
      builderId: config.builderId,
      buildType: config.buildType,
      deepInspection: config.artifacts.pipelinerun.deepInspection,
    },
  });
  if (Result.isFailure(result)) {
    process.stderr.write(`chains-ts provenance: ${result.failure.message}\n`);
    return 1;
  }
  writeWarnings(result.success.warnings);
  process.stdout.write(result.success.payload);
  return 0;
};

export const provenanceCommand: CliCommand = {
  ...provenanceHelp,
  run,
};
