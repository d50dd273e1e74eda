import { goValueOfJson, type GoValue } from "../../serialization/go-value.ts";
import { paramValueToGo } from "../../serialization/param-value.ts";
import { formatRfc3339Nano, parseRfc3339 } from "../../serialization/rfc3339.ts";
import { mergeArtifacts } from "../../type-hinting/digest-set.ts";
import type { Material } from "../../type-hinting/input-hints.ts";
import {
  annotationsOf,
  at,
  labelsOf,
  type NamedValue,
  type ParamDefault,
  type RefSource,
  type SpecStep,
} from "../../type-hinting/run-view.ts";
import { REPRODUCIBLE_LABEL } from "../../annotations/chains-annotations.ts";

/** Pieces shared by the SLSA v0.2 TaskRun and PipelineRun predicates (formats.md §3). */

export const predicateTypeV02 = "https://slsa.dev/provenance/v0.2";

/** A v0.2 time (RFC 3339 nano, UTC), or `undefined` when unset or unreadable. */
export const timeV02 = (raw: unknown): string | undefined => {
  const parsed = typeof raw === "string" ? parseRfc3339(raw) : undefined;
  return parsed === undefined ? undefined : formatRfc3339Nano(parsed);
};

const configSource = (source: RefSource | undefined) =>
  source === undefined
    ? {}
    : {
        uri: source.uri === "" ? undefined : source.uri,
        digest: Object.keys(source.digest).length === 0 ? undefined : goValueOfJson(source.digest),
        entryPoint: source.entryPoint === "" ? undefined : source.entryPoint,
      };

const ignoredAnnotation = (name: string): boolean =>
  name === "kubectl.kubernetes.io/last-applied-configuration" || name.startsWith("chains.tekton.dev/");

/** `invocation`: parameters (spec defaults overlaid by params), config source, labels/annotations. */
export const invocation = (
  object: unknown,
  params: ReadonlyArray<NamedValue>,
  defaults: ReadonlyArray<ParamDefault>,
  source: RefSource | undefined,
) => {
  const parameters = new Map<string, GoValue>();
  for (const d of defaults) if (d.default !== undefined) parameters.set(d.name, paramValueToGo(d.default));
  for (const p of params) parameters.set(p.name, paramValueToGo(p.value));
  const annotations = Object.entries(annotationsOf(object) ?? {}).filter(([name]) => !ignoredAnnotation(name));
  const labels = Object.entries(labelsOf(object) ?? {});
  const environment =
    annotations.length === 0 && labels.length === 0
      ? undefined
      : {
          annotations: annotations.length === 0 ? undefined : new Map(annotations),
          labels: labels.length === 0 ? undefined : new Map(labels),
        };
  return { configSource: configSource(source), parameters, environment };
};

/** A `buildConfig` step attestation. */
export const stepAttestation = (step: SpecStep | undefined, statusName: string, imageID: string) => ({
  entryPoint: step === undefined ? "" : step.script !== "" ? step.script : step.command.join(" "),
  arguments: step?.args === undefined ? null : [...step.args],
  environment: {
    container: statusName,
    image: `oci://${imageID.startsWith("docker-pullable://") ? imageID.slice("docker-pullable://".length) : imageID}`,
  },
  annotations: null,
});

export const metadataV02 = (run: unknown) => ({
  buildStartedOn: timeV02(at(run, "status", "startTime")),
  buildFinishedOn: timeV02(at(run, "status", "completionTime")),
  completeness: { environment: false, materials: false, parameters: false },
  reproducible: labelsOf(run)?.[REPRODUCIBLE_LABEL] === "true",
});

/** The v0.2 material merge rule (same URI and a shared digest fold together). */
export const mergeMaterials = (list: ReadonlyArray<Material>, items: ReadonlyArray<Material>): ReadonlyArray<Material> =>
  mergeArtifacts(
    list.map((m) => ({ name: m.uri, digest: m.digest })),
    items.map((m) => ({ name: m.uri, digest: m.digest })),
    (a, digest) => ({ name: a.name, digest }),
  ).map((a) => ({ uri: a.name, digest: a.digest }));

export const materialsJson = (materials: ReadonlyArray<Material>) =>
  materials.length === 0 ? undefined : materials.map((m) => ({ digest: goValueOfJson(m.digest), uri: m.uri }));
