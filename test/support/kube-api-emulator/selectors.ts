import { badRequest } from "./api-status.ts";
import { isObject, stringMap, type JsonObject } from "./json-values.ts";

/** A parsed label or field selector; the empty selector matches everything. */
export type Selector = (object: JsonObject) => boolean;

interface Requirement {
  readonly key: string;
  readonly op: "exists" | "!exists" | "=" | "!=" | "in" | "notin";
  readonly values: readonly string[];
}

/** Splits on commas that are not inside `( … )`. */
const splitTopLevel = (text: string): string[] => {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === "(") depth++;
    else if (ch === ")") depth--;
    else if (ch === "," && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts.map((p) => p.trim()).filter((p) => p.length > 0);
};

const parseLabelRequirement = (text: string): Requirement => {
  const set = /^(\S+)\s+(in|notin)\s*\(([^)]*)\)$/.exec(text);
  if (set !== null) {
    const values = (set[3] ?? "").split(",").map((v) => v.trim()).filter((v) => v.length > 0);
    return { key: set[1] ?? "", op: set[2] === "in" ? "in" : "notin", values };
  }
  const comparison = /^([^=!\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(text);
  if (comparison !== null) {
    return { key: comparison[1] ?? "", op: comparison[2] === "!=" ? "!=" : "=", values: [comparison[3] ?? ""] };
  }
  const exists = /^(!?)\s*([^=!\s(),]+)$/.exec(text);
  if (exists !== null) return { key: exists[2] ?? "", op: exists[1] === "!" ? "!exists" : "exists", values: [] };
  throw badRequest(`unable to parse requirement: ${text}`);
};

const matches = (requirement: Requirement, value: string | undefined): boolean => {
  switch (requirement.op) {
    case "exists":
      return value !== undefined;
    case "!exists":
      return value === undefined;
    case "=":
      return value === requirement.values[0];
    case "!=":
      return value !== requirement.values[0];
    case "in":
      return value !== undefined && requirement.values.includes(value);
    case "notin":
      return value === undefined || !requirement.values.includes(value);
  }
};

export const parseLabelSelector = (text: string | undefined | null): Selector => {
  if (text === undefined || text === null || text.trim() === "") return () => true;
  const requirements = splitTopLevel(text).map(parseLabelRequirement);
  return (object) => {
    const labels = stringMap(isObject(object["metadata"]) ? object["metadata"]["labels"] : undefined);
    return requirements.every((r) => matches(r, labels[r.key]));
  };
};

const fieldValue = (object: JsonObject, field: string): string | undefined => {
  let current: unknown = object;
  for (const part of field.split(".")) current = isObject(current) ? current[part] : undefined;
  if (field === "source" && isObject(object["source"])) current = object["source"]["component"];
  if (current === undefined || current === null) return "";
  return typeof current === "string" ? current : JSON.stringify(current);
};

/** Field selectors support `=`, `==` and `!=` on `metadata.name`, `metadata.namespace` and `supported`. */
export const parseFieldSelector = (text: string | undefined | null, supported: readonly string[]): Selector => {
  if (text === undefined || text === null || text.trim() === "") return () => true;
  const requirements = splitTopLevel(text).map((part) => {
    const m = /^([^=!]+?)\s*(==|=|!=)\s*(.*)$/.exec(part);
    if (m === null) throw badRequest(`invalid field selector: ${part}`);
    const field = m[1] ?? "";
    if (field !== "metadata.name" && field !== "metadata.namespace" && !supported.includes(field)) {
      throw badRequest(`field label not supported: ${field}`);
    }
    return { field, negate: m[2] === "!=", value: m[3] ?? "" };
  });
  return (object) => requirements.every((r) => (fieldValue(object, r.field) === r.value) !== r.negate);
};
