import { ApiError, statusBody } from "./api-status.ts";
import { clone, deepEqual, isObject, type JsonObject } from "./json-values.ts";
import { leafValues, ownershipOf, removeField, valueAtField, type Ownership } from "./managed-fields.ts";

export interface ApplyRequest {
  readonly current: JsonObject | undefined;
  readonly config: JsonObject;
  readonly manager: string;
  readonly force: boolean;
  readonly apiVersion: string;
  readonly now: string;
  /** Status is a subresource: the main resource's apply neither owns nor changes it. */
  readonly skipStatus: boolean;
}

export interface ApplyResult {
  readonly object: JsonObject;
  readonly owners: Ownership[];
}

/**
 * Server-side apply over the emulator's ownership model (see managed-fields.ts): a field another manager
 * owns with a different value is a conflict unless forced (then ownership moves to the applier); a field
 * the applier owned before and now omits is removed unless someone else also owns it.
 */
export const serverSideApply = (request: ApplyRequest): ApplyResult => {
  const config = withoutNulls(request.config) as JsonObject;
  if (request.skipStatus) delete config["status"];
  const wanted = leafValues(config, request.skipStatus);
  const owners = request.current === undefined ? [] : ownershipOf(request.current);
  const isMine = (owner: Ownership): boolean => owner.manager === request.manager && owner.operation === "Apply";

  const conflicts: { manager: string; apiVersion: string; field: string; key: string }[] = [];
  if (request.current !== undefined) {
    for (const owner of owners) {
      if (isMine(owner)) continue;
      for (const key of owner.fields) {
        if (!wanted.has(key)) continue;
        const live = valueAtField(request.current, key);
        if (live.found && !deepEqual(live.value, wanted.get(key))) {
          conflicts.push({ manager: owner.manager, apiVersion: owner.apiVersion, field: fieldPathText(key), key });
        }
      }
    }
  }
  if (conflicts.length > 0 && !request.force) throw conflictError(conflicts);
  for (const c of conflicts) owners.find((o) => o.manager === c.manager && o.fields.has(c.key))?.fields.delete(c.key);

  const mine = owners.find(isMine);
  const object = clone(request.current ?? {});
  for (const key of mine?.fields ?? []) {
    if (wanted.has(key)) continue;
    const prefix = key.slice(0, -1);
    if (owners.some((o) => o !== mine && [...o.fields].some((f) => f === key || f.startsWith(`${prefix},`)))) continue;
    removeField(object, key);
  }
  mergeApplied(object, config, "");
  const entry: Ownership = {
    manager: request.manager,
    operation: "Apply",
    apiVersion: request.apiVersion,
    time: request.now,
    fields: new Set(wanted.keys()),
  };
  const next = owners.filter((o) => !isMine(o));
  next.push(entry);
  return { object, owners: next.filter((o) => o.fields.size > 0) };
};

const withoutNulls = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (!isObject(value)) return value;
  const out: JsonObject = {};
  for (const [key, item] of Object.entries(value)) if (item !== null) out[key] = withoutNulls(item);
  return out;
};

const mergeApplied = (target: JsonObject, config: JsonObject, path: string): void => {
  for (const [key, value] of Object.entries(config)) {
    const childPath = `${path}.${key}`;
    const existing = target[key];
    if (isObject(value) && isObject(existing)) {
      mergeApplied(existing, value, childPath);
    } else if (Array.isArray(value) && childPath === ".metadata.finalizers") {
      const current = Array.isArray(existing) ? existing : [];
      target[key] = [...current, ...value.filter((item) => !current.some((c) => deepEqual(c, item)))];
    } else if (Array.isArray(value) && childPath === ".metadata.ownerReferences") {
      const current = Array.isArray(existing) ? clone(existing) : [];
      for (const ref of value) {
        const index = current.findIndex((c) => isObject(c) && isObject(ref) && c["uid"] === ref["uid"]);
        if (index >= 0) current[index] = clone(ref);
        else current.push(clone(ref));
      }
      target[key] = current;
    } else {
      target[key] = clone(value);
    }
  }
};

/** `.metadata.annotations.foo`, `.metadata.finalizers[="x"]`, as the real conflict messages print them. */
const fieldPathText = (key: string): string =>
  (JSON.parse(key) as string[])
    .map((segment) => (segment.startsWith("f:") ? `.${segment.slice(2)}` : segment.startsWith("v:") ? `[=${segment.slice(2)}]` : `[${segment.slice(2)}]`))
    .join("");

const conflictError = (conflicts: readonly { manager: string; apiVersion: string; field: string }[]): ApiError => {
  const byManager = new Map<string, string[]>();
  for (const c of conflicts) {
    const label = `"${c.manager}" using ${c.apiVersion}`;
    byManager.set(label, [...(byManager.get(label) ?? []), c.field]);
  }
  const parts = [...byManager].map(([label, fields]) =>
    fields.length === 1 ? `conflict with ${label}: ${fields[0]}` : `conflicts with ${label}:\n${fields.map((f) => `- ${f}`).join("\n")}`,
  );
  const count = conflicts.length;
  const message = `Apply failed with ${count} conflict${count === 1 ? "" : "s"}: ${parts.join("\n")}`;
  return new ApiError(
    statusBody(409, "Conflict", message, {
      causes: conflicts.map((c) => ({
        reason: "FieldManagerConflict",
        message: `conflict with "${c.manager}" using ${c.apiVersion}`,
        field: c.field,
      })),
    }),
  );
};
