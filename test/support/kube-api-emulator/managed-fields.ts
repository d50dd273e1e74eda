import { clone, deepEqual, isObject, type JsonObject } from "./json-values.ts";

/**
 * Field ownership as server-side apply sees it, in the real `FieldsV1` vocabulary: `f:<name>` for a map
 * key, `v:<json>` for an element of a set-like list (`metadata.finalizers`), `k:<json>` for an element of
 * a keyed list (`metadata.ownerReferences`, keyed by uid). Maps are owned per key; other lists are atomic.
 * A path is stored as the JSON text of its segment array so sets of paths can be plain `Set<string>`s.
 */
export type FieldSet = Set<string>;

export interface ManagedFieldsEntry {
  readonly manager: string;
  readonly operation: "Apply" | "Update";
  readonly apiVersion: string;
  readonly time: string;
  readonly fieldsType: "FieldsV1";
  readonly fieldsV1: JsonObject;
  readonly subresource?: string;
}

/** Metadata the server owns; never part of anybody's field set. */
const SERVER_METADATA = new Set([
  "name",
  "namespace",
  "uid",
  "resourceVersion",
  "generation",
  "creationTimestamp",
  "deletionTimestamp",
  "deletionGracePeriodSeconds",
  "managedFields",
  "selfLink",
  "generateName",
]);

const SET_LISTS = new Set(['["f:metadata","f:finalizers"]']);
const KEYED_LISTS = new Map([['["f:metadata","f:ownerReferences"]', "uid"]]);

/** Every owned leaf of `object` mapped to its value. */
export const leafValues = (object: JsonObject, skipStatus: boolean): Map<string, unknown> => {
  const out = new Map<string, unknown>();
  const walk = (value: unknown, path: string[]): void => {
    const key = JSON.stringify(path);
    if (Array.isArray(value)) {
      if (SET_LISTS.has(key)) {
        for (const item of value) out.set(JSON.stringify([...path, `v:${JSON.stringify(item)}`]), item);
        return;
      }
      const keyField = KEYED_LISTS.get(key);
      if (keyField !== undefined) {
        for (const item of value) {
          const id = isObject(item) ? item[keyField] : undefined;
          out.set(JSON.stringify([...path, `k:${JSON.stringify({ [keyField]: id })}`]), item);
        }
        return;
      }
      out.set(key, value);
      return;
    }
    // An empty map owns nothing: owning the map itself would let its removal take others' keys with it.
    if (isObject(value)) {
      for (const [child, childValue] of Object.entries(value)) {
        if (path.length === 0 && (child === "apiVersion" || child === "kind" || (skipStatus && child === "status"))) continue;
        if (path.length === 1 && path[0] === "f:metadata" && SERVER_METADATA.has(child)) continue;
        walk(childValue, [...path, `f:${child}`]);
      }
      return;
    }
    out.set(key, value);
  };
  walk(object, []);
  return out;
};

export const fieldsV1FromSet = (set: ReadonlySet<string>): JsonObject => {
  const root: JsonObject = {};
  for (const key of [...set].sort()) {
    let node = root;
    for (const segment of JSON.parse(key) as string[]) {
      const next = node[segment];
      if (isObject(next)) node = next;
      else {
        const created: JsonObject = {};
        node[segment] = created;
        node = created;
      }
    }
  }
  return root;
};

export const setFromFieldsV1 = (tree: unknown): FieldSet => {
  const out: FieldSet = new Set();
  const walk = (node: unknown, path: string[]): void => {
    const children = isObject(node) ? Object.keys(node).filter((k) => k !== ".") : [];
    if (children.length === 0) {
      if (path.length > 0) out.add(JSON.stringify(path));
      return;
    }
    for (const child of children) walk((node as JsonObject)[child], [...path, child]);
  };
  walk(tree, []);
  return out;
};

/** Finds the element of a list a `v:`/`k:` segment names. */
const findElement = (list: readonly unknown[], segment: string): number => {
  const spec = JSON.parse(segment.slice(2)) as unknown;
  if (segment.startsWith("v:")) return list.findIndex((item) => deepEqual(item, spec));
  return list.findIndex((item) => isObject(item) && isObject(spec) && Object.entries(spec).every(([k, v]) => deepEqual(item[k], v)));
};

export const valueAtField = (object: JsonObject, key: string): { found: boolean; value: unknown } => {
  let current: unknown = object;
  for (const segment of JSON.parse(key) as string[]) {
    if (segment.startsWith("f:") && isObject(current) && Object.hasOwn(current, segment.slice(2))) {
      current = current[segment.slice(2)];
    } else if (!segment.startsWith("f:") && Array.isArray(current)) {
      const index = findElement(current, segment);
      if (index < 0) return { found: false, value: undefined };
      current = current[index];
    } else {
      return { found: false, value: undefined };
    }
  }
  return { found: true, value: current };
};

/** Removes a field, then prunes the maps and lists that removal left empty. */
export const removeField = (object: JsonObject, key: string): void => {
  const segments = JSON.parse(key) as string[];
  const containers: unknown[] = [object];
  let current: unknown = object;
  for (const segment of segments.slice(0, -1)) {
    if (isObject(current)) current = current[segment.slice(2)];
    else if (Array.isArray(current)) current = current[findElement(current, segment)];
    if (current === undefined) return;
    containers.push(current);
  }
  for (let depth = segments.length - 1; depth >= 0; depth--) {
    const container = containers[depth];
    const segment = segments[depth] as string;
    const isLeaf = depth === segments.length - 1;
    const child = isObject(container) ? container[segment.slice(2)] : Array.isArray(container) ? container[findElement(container, segment)] : undefined;
    const childEmpty = (isObject(child) && Object.keys(child).length === 0) || (Array.isArray(child) && child.length === 0);
    if (!isLeaf && !childEmpty) return;
    if (isObject(container)) delete container[segment.slice(2)];
    else if (Array.isArray(container)) {
      const index = findElement(container, segment);
      if (index >= 0) container.splice(index, 1);
    }
  }
};

export const readManagedFields = (object: JsonObject): ManagedFieldsEntry[] => {
  const metadata = object["metadata"];
  const raw = isObject(metadata) ? metadata["managedFields"] : undefined;
  return Array.isArray(raw) ? (clone(raw) as ManagedFieldsEntry[]) : [];
};

/** Field sets per (manager, operation), the unit the real server tracks (subresources ignored). */
export interface Ownership {
  readonly manager: string;
  readonly operation: "Apply" | "Update";
  readonly apiVersion: string;
  readonly time: string;
  readonly fields: FieldSet;
}

export const ownershipOf = (object: JsonObject): Ownership[] =>
  readManagedFields(object).map((entry) => ({
    manager: entry.manager,
    operation: entry.operation,
    apiVersion: entry.apiVersion,
    time: entry.time,
    fields: setFromFieldsV1(entry.fieldsV1),
  }));

export const managedFieldsOf = (owners: readonly Ownership[]): ManagedFieldsEntry[] =>
  owners
    .filter((owner) => owner.fields.size > 0)
    .map((owner) => ({
      manager: owner.manager,
      operation: owner.operation,
      apiVersion: owner.apiVersion,
      time: owner.time,
      fieldsType: "FieldsV1",
      fieldsV1: fieldsV1FromSet(owner.fields),
    }));

/**
 * Ownership after a non-apply write (create, update, merge/JSON/strategic patch): the writer takes every
 * field it added or changed away from the other managers, and fields that disappeared are owned by nobody.
 */
export const ownershipAfterUpdate = (
  before: JsonObject | undefined,
  after: JsonObject,
  manager: string,
  apiVersion: string,
  now: string,
  skipStatus: boolean,
): Ownership[] => {
  const owners = before === undefined ? [] : ownershipOf(before);
  const oldLeaves = before === undefined ? new Map<string, unknown>() : leafValues(before, skipStatus);
  const newLeaves = leafValues(after, skipStatus);
  const changed = [...newLeaves].filter(([key, value]) => !oldLeaves.has(key) || !deepEqual(oldLeaves.get(key), value)).map(([key]) => key);
  const gone = [...oldLeaves.keys()].filter((key) => !newLeaves.has(key));
  if (changed.length === 0 && gone.length === 0) return owners;
  for (const owner of owners) {
    for (const key of [...changed, ...gone]) owner.fields.delete(key);
  }
  if (changed.length > 0) {
    const mine = owners.find((o) => o.manager === manager && o.operation === "Update");
    if (mine === undefined) owners.push({ manager, operation: "Update", apiVersion, time: now, fields: new Set(changed) });
    else {
      for (const key of changed) mine.fields.add(key);
      owners.splice(owners.indexOf(mine), 1, { ...mine, apiVersion, time: now });
    }
  }
  return owners.filter((o) => o.fields.size > 0);
};
