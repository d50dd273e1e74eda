import { isJsonObject } from "../oci/json-object.ts";

/** The run API versions whose fields the formats read (run-object.ts). */
export const supportedRunApiVersions: ReadonlyArray<string> = ["tekton.dev/v1", "tekton.dev/v1beta1"];

const describeJsonValue = (value: unknown): string =>
  Array.isArray(value) ? "an array" : value === null ? "null" : `a ${typeof value}`;

/** Why a parsed RUN-FILE is not a run object, or undefined when it is one. */
export const notARunObject = (document: unknown): string | undefined =>
  isJsonObject(document) ? undefined : `expected a TaskRun or PipelineRun object, got ${describeJsonValue(document)}`;

/**
 * Why a run's `apiVersion` cannot be read, or undefined. A run without one is accepted: hand-cut
 * fragments (as in the reference's format tests) have none.
 */
export const unsupportedApiVersion = (run: Readonly<Record<string, unknown>>): string | undefined => {
  const apiVersion = run["apiVersion"];
  if (apiVersion === undefined || supportedRunApiVersions.includes(apiVersion as string)) return undefined;
  return `unsupported apiVersion ${JSON.stringify(apiVersion)}: expected ${supportedRunApiVersions.join(" or ")}`;
};

/**
 * Why a run is not finished, or undefined. A run as the API server returns it (it names its
 * `apiVersion`) with no status is refused: Chains has nothing to sign. One whose Succeeded condition
 * is still Unknown is a warning: Chains would only wait for it. Hand-cut fragments (no apiVersion,
 * as in the reference's format tests) carry only the fields they exercise and pass.
 */
export const unfinishedRun = (
  run: Readonly<Record<string, unknown>>,
  kind: string,
): { readonly refused: boolean; readonly reason: string } | undefined => {
  const status = run["status"];
  if (!isJsonObject(status))
    return run["apiVersion"] === undefined ? undefined : { refused: true, reason: `the ${kind} has not finished (it has no status)` };
  const conditions = Array.isArray(status["conditions"]) ? status["conditions"].filter(isJsonObject) : [];
  const succeeded = conditions.find((c) => c["type"] === "Succeeded");
  if (succeeded === undefined || succeeded["status"] === "True" || succeeded["status"] === "False") return undefined;
  const reason = typeof succeeded["reason"] === "string" && succeeded["reason"] !== "" ? `: ${succeeded["reason"]}` : "";
  return {
    refused: false,
    reason: `the ${kind} has not finished (Succeeded is ${String(succeeded["status"] ?? "unset")}${reason}); Chains signs it only once it has`,
  };
};
