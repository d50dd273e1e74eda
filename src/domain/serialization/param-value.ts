import { goValueOfJson, type GoValue } from "./go-value.ts";

/**
 * Tekton `ParamValue` (also `ResultValue`) as decoded by its `UnmarshalJSON`: an array of strings,
 * an object of strings, otherwise a string (a JSON string, or the raw text of anything else).
 */
export type ParamValue =
  | { readonly type: "string"; readonly string: string }
  | { readonly type: "array"; readonly array: ReadonlyArray<string> }
  | { readonly type: "object"; readonly object: Readonly<Record<string, string>> };

const allStrings = (values: ReadonlyArray<unknown>): values is ReadonlyArray<string> =>
  values.every((v) => typeof v === "string");

export const paramValueOf = (raw: unknown): ParamValue => {
  if (raw === undefined || raw === null) return { type: "string", string: "" };
  if (typeof raw === "string") return { type: "string", string: raw };
  if (Array.isArray(raw) && allStrings(raw)) return { type: "array", array: raw };
  if (typeof raw === "object" && !Array.isArray(raw)) {
    const entries = Object.entries(raw as Record<string, unknown>);
    if (entries.every(([, v]) => typeof v === "string" || v === null)) {
      const object: Record<string, string> = Object.create(null) as Record<string, string>;
      for (const [k, v] of entries) object[k] = typeof v === "string" ? v : "";
      return { type: "object", object };
    }
  }
  // Go falls back to the raw JSON text of the value.
  return { type: "string", string: JSON.stringify(raw) };
};

/** The string a Go caller sees in `.StringVal` (empty for arrays and objects). */
export const stringVal = (value: ParamValue): string => (value.type === "string" ? value.string : "");

export const paramValueToGo = (value: ParamValue): GoValue => {
  switch (value.type) {
    case "string":
      return value.string;
    case "array":
      return [...value.array];
    case "object":
      return goValueOfJson(value.object);
  }
};
