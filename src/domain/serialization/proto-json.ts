import { compareCodePoints } from "./go-value.ts";

/**
 * protojson text of a `google.protobuf.Struct`-like value: compact, keys sorted at every depth,
 * `undefined` members left out (so optional fields can be written as `undefined`), strings escaped
 * the JavaScript way (which protojson matches for well-formed strings). Accepts plain objects and
 * `Map`s (for Go-marshalled values).
 */
export const protoJson = (value: unknown): string => {
  if (value === null || value === undefined) return "null";
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : "null";
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map((v: unknown) => protoJson(v)).join(",")}]`;
  const entries: Array<readonly [string, unknown]> =
    value instanceof Map
      ? [...value.entries()].filter((e): e is [string, unknown] => typeof e[0] === "string")
      : Object.entries(value as Record<string, unknown>);
  const parts = entries
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => compareCodePoints(a, b))
    .map(([k, v]) => `${JSON.stringify(k)}:${protoJson(v)}`);
  return `{${parts.join(",")}}`;
};
