import { Result } from "effect";
import { ConfigInvalid } from "./config-invalid.ts";

const isRecord = (value: unknown): value is Readonly<Record<string, unknown>> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const describe = (value: unknown): string =>
  value === null ? "null" : Array.isArray(value) ? "a list" : typeof value === "object" ? "a map" : `${typeof value} ${String(value)}`;

/** Checks every value is a string, as Kubernetes requires for ConfigMap `data`; YAML's `true` or `3` are not. */
const stringMap = (entries: Readonly<Record<string, unknown>>, where: string): Result.Result<Record<string, string>, ConfigInvalid> => {
  const data: Record<string, string> = {};
  for (const [key, value] of Object.entries(entries)) {
    if (typeof value !== "string") {
      return Result.fail(
        new ConfigInvalid({
          key,
          value: describe(value),
          allowed: [],
          reason: `every value in ${where} must be a string; quote it in YAML (e.g. "true")`,
        }),
      );
    }
    data[key] = value;
  }
  return Result.succeed(data);
};

/**
 * The key→value data of a parsed YAML/JSON document: either a ConfigMap manifest (its `data`) or a
 * flat map of keys. A manifest with no or null `data` holds no keys.
 */
export const configDataFromDocument = (doc: unknown): Result.Result<Record<string, string>, ConfigInvalid> => {
  if (doc === null || doc === undefined) return Result.succeed({});
  if (!isRecord(doc)) {
    return Result.fail(
      new ConfigInvalid({
        key: "<document>",
        value: describe(doc),
        allowed: [],
        reason: "the configuration must be a ConfigMap manifest or a map of keys to string values",
      }),
    );
  }
  if (doc["kind"] === undefined && doc["apiVersion"] === undefined) return stringMap(doc, "the configuration map");
  if (doc["kind"] !== "ConfigMap") {
    return Result.fail(
      new ConfigInvalid({
        key: "kind",
        value: typeof doc["kind"] === "string" ? doc["kind"] : describe(doc["kind"]),
        allowed: ["ConfigMap"],
        reason: "a Kubernetes manifest holding the configuration must be a ConfigMap",
      }),
    );
  }
  const data = doc["data"];
  if (data === null || data === undefined) return Result.succeed({});
  if (!isRecord(data)) {
    return Result.fail(
      new ConfigInvalid({
        key: "data",
        value: describe(data),
        allowed: [],
        reason: "a ConfigMap's data must be a map of keys to string values",
      }),
    );
  }
  return stringMap(data, "the ConfigMap's data");
};
