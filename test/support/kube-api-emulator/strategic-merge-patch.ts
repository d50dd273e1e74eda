import { badRequest } from "./api-status.ts";
import { clone, isObject, type JsonObject } from "./json-values.ts";

/**
 * A strategic merge patch for the built-in types the emulator serves. Their only list fields with a
 * merge strategy are `metadata.finalizers` (merge by value) and `metadata.ownerReferences` (merge by uid);
 * every other list is replaced. Supports `$patch: replace|delete` on maps and
 * `$deleteFromPrimitiveList/finalizers`.
 */
export const applyStrategicMergePatch = (target: unknown, patch: unknown): unknown => {
  if (!isObject(patch)) throw badRequest("strategic merge patch must be a JSON object");
  return mergeMap(isObject(target) ? clone(target) : {}, patch, []);
};

const mergeMap = (target: JsonObject, patch: JsonObject, path: readonly string[]): JsonObject => {
  const directive = patch["$patch"];
  if (directive === "replace") {
    const { $patch: _ignored, ...rest } = patch;
    return clone(rest);
  }
  if (directive !== undefined && directive !== "merge") throw badRequest(`unknown patch directive ${String(directive)}`);
  for (const [key, value] of Object.entries(patch)) {
    if (key === "$patch" || key === "$setElementOrder/finalizers" || key === "$retainKeys") continue;
    if (key.startsWith("$deleteFromPrimitiveList/")) {
      const field = key.slice("$deleteFromPrimitiveList/".length);
      const current = target[field];
      if (Array.isArray(current) && Array.isArray(value)) target[field] = current.filter((item) => !value.includes(item));
      continue;
    }
    const fieldPath = [...path, key];
    if (value === null) {
      delete target[key];
    } else if (isObject(value)) {
      if (value["$patch"] === "delete") delete target[key];
      else target[key] = mergeMap(isObject(target[key]) ? (target[key] as JsonObject) : {}, value, fieldPath);
    } else if (Array.isArray(value)) {
      target[key] = mergeList(target[key], value, fieldPath.join("."));
    } else {
      target[key] = value;
    }
  }
  return target;
};

const mergeList = (current: unknown, patch: readonly unknown[], path: string): unknown[] => {
  const existing = Array.isArray(current) ? current : [];
  if (path === "metadata.finalizers") {
    return [...existing, ...patch.filter((item) => !existing.includes(item))];
  }
  if (path === "metadata.ownerReferences") {
    const merged = existing.map((item) => clone(item));
    for (const entry of patch) {
      if (!isObject(entry)) continue;
      const index = merged.findIndex((item) => isObject(item) && item["uid"] === entry["uid"]);
      if (entry["$patch"] === "delete") {
        if (index >= 0) merged.splice(index, 1);
      } else if (index >= 0) {
        merged[index] = { ...(merged[index] as JsonObject), ...clone(entry) };
      } else {
        merged.push(clone(entry));
      }
    }
    return merged;
  }
  return clone([...patch]);
};
