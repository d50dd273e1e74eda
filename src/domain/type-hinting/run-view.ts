import { goField } from "../serialization/go-field.ts";
import { paramValueOf, type ParamValue } from "../serialization/param-value.ts";

/**
 * Read-only views of the parts of a raw TaskRun / PipelineRun that type hinting and the formatters
 * read, decoded the way Go's encoding/json reads them into `tekton.dev/v1` types (unknown fields
 * ignored, case-insensitive member names, Tekton's `ParamValue` rules).
 */
export interface NamedValue {
  readonly name: string;
  readonly value: ParamValue;
}

export interface ParamDefault {
  readonly name: string;
  readonly default: ParamValue | undefined;
}

export interface RefSource {
  readonly uri: string;
  readonly digest: Readonly<Record<string, string>>;
  readonly entryPoint: string;
}

export interface StepStatus {
  readonly name: string;
  readonly imageID: string;
  readonly results: ReadonlyArray<NamedValue>;
  readonly refSource: RefSource | undefined;
}

export interface SpecStep {
  readonly name: string;
  readonly script: string;
  readonly command: ReadonlyArray<string>;
  /** `undefined` when the step has no `args` (Go nil slice). */
  readonly args: ReadonlyArray<string> | undefined;
}

export const at = (raw: unknown, ...path: ReadonlyArray<string>): unknown =>
  path.reduce<unknown>((current, key) => goField(current, key), raw);

export const stringAt = (raw: unknown, ...path: ReadonlyArray<string>): string => {
  const value = at(raw, ...path);
  return typeof value === "string" ? value : "";
};

export const arrayAt = (raw: unknown, ...path: ReadonlyArray<string>): ReadonlyArray<unknown> => {
  const value = at(raw, ...path);
  return Array.isArray(value) ? value : [];
};

export const isPresent = (raw: unknown, ...path: ReadonlyArray<string>): boolean => {
  const value = at(raw, ...path);
  return value !== undefined && value !== null;
};

export const stringMap = (raw: unknown): Readonly<Record<string, string>> | undefined => {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return undefined;
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) out[k] = typeof v === "string" ? v : "";
  return out;
};

const namedValues = (items: ReadonlyArray<unknown>, valueKey: string): ReadonlyArray<NamedValue> =>
  items.map((item) => ({ name: stringAt(item, "name"), value: paramValueOf(at(item, valueKey)) }));

/** `status.results` of a TaskRun or PipelineRun. */
export const runResults = (run: unknown): ReadonlyArray<NamedValue> => namedValues(arrayAt(run, "status", "results"), "value");

/** `spec.params`. */
export const runParams = (run: unknown): ReadonlyArray<NamedValue> => namedValues(arrayAt(run, "spec", "params"), "value");

const paramDefaults = (specs: ReadonlyArray<unknown>): ReadonlyArray<ParamDefault> =>
  specs.map((p) => {
    const d = at(p, "default");
    return { name: stringAt(p, "name"), default: d === undefined || d === null ? undefined : paramValueOf(d) };
  });

/** `status.taskSpec.params` (TaskRun) or `status.pipelineSpec.params` (PipelineRun). */
export const specParamDefaults = (run: unknown, specKey: "taskSpec" | "pipelineSpec"): ReadonlyArray<ParamDefault> =>
  paramDefaults(arrayAt(run, "status", specKey, "params"));

export const refSourceOf = (provenance: unknown): RefSource | undefined => {
  const source = at(provenance, "refSource");
  if (typeof source !== "object" || source === null || Array.isArray(source)) return undefined;
  return {
    uri: stringAt(source, "uri"),
    digest: stringMap(at(source, "digest")) ?? {},
    entryPoint: stringAt(source, "entryPoint"),
  };
};

/** `status.provenance.refSource`. */
export const runRefSource = (run: unknown): RefSource | undefined => refSourceOf(at(run, "status", "provenance"));

export const stepStatuses = (run: unknown): ReadonlyArray<StepStatus> =>
  arrayAt(run, "status", "steps").map((s) => ({
    name: stringAt(s, "name"),
    imageID: stringAt(s, "imageID"),
    results: namedValues(arrayAt(s, "results"), "value"),
    refSource: refSourceOf(at(s, "provenance")),
  }));

export const sidecarImageIDs = (run: unknown): ReadonlyArray<string> =>
  arrayAt(run, "status", "sidecars").map((s) => stringAt(s, "imageID"));

const strings = (raw: unknown): ReadonlyArray<string> | undefined =>
  Array.isArray(raw) ? raw.map((v: unknown) => (typeof v === "string" ? v : "")) : undefined;

export const specSteps = (run: unknown): ReadonlyArray<SpecStep> | undefined => {
  if (!isPresent(run, "status", "taskSpec")) return undefined;
  return arrayAt(run, "status", "taskSpec", "steps").map((s) => ({
    name: stringAt(s, "name"),
    script: stringAt(s, "script"),
    command: strings(at(s, "command")) ?? [],
    args: strings(at(s, "args")),
  }));
};

export const labelsOf = (run: unknown): Readonly<Record<string, string>> | undefined =>
  stringMap(at(run, "metadata", "labels"));

export const annotationsOf = (run: unknown): Readonly<Record<string, string>> | undefined =>
  stringMap(at(run, "metadata", "annotations"));
