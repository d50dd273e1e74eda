import { badRequest, ApiError, statusBody } from "./api-status.ts";
import { clone, deepEqual, isObject } from "./json-values.ts";

/** RFC 6902 JSON patch. Malformed patches are 400s; operations that cannot apply are 422s, as on the real server. */
export const applyJsonPatch = (document: unknown, patch: unknown): unknown => {
  if (!Array.isArray(patch)) throw badRequest("json patch must be a JSON array of operations");
  let doc = clone(document);
  for (const operation of patch) {
    if (!isObject(operation) || typeof operation["op"] !== "string" || typeof operation["path"] !== "string") {
      throw badRequest(`invalid json patch operation: ${JSON.stringify(operation)}`);
    }
    doc = applyOperation(doc, operation["op"], operation["path"], operation);
  }
  return doc;
};

const unprocessable = (message: string): ApiError => new ApiError(statusBody(422, "Invalid", message));

const parsePointer = (pointer: string): string[] => {
  if (pointer === "") return [];
  if (!pointer.startsWith("/")) throw badRequest(`invalid JSON pointer: ${pointer}`);
  return pointer
    .slice(1)
    .split("/")
    .map((token) => token.replaceAll("~1", "/").replaceAll("~0", "~"));
};

const valueAt = (doc: unknown, tokens: readonly string[]): { found: boolean; value: unknown } => {
  let current: unknown = doc;
  for (const token of tokens) {
    if (Array.isArray(current)) {
      const index = Number(token);
      if (!/^\d+$/.test(token) || index >= current.length) return { found: false, value: undefined };
      current = current[index];
    } else if (isObject(current) && Object.hasOwn(current, token)) {
      current = current[token];
    } else {
      return { found: false, value: undefined };
    }
  }
  return { found: true, value: current };
};

const parentOf = (doc: unknown, tokens: readonly string[], path: string): { parent: unknown; last: string } => {
  const last = tokens[tokens.length - 1];
  if (last === undefined) throw unprocessable(`cannot operate on the document root with path "${path}"`);
  const { found, value } = valueAt(doc, tokens.slice(0, -1));
  if (!found) throw unprocessable(`doc is missing path: "${path}": missing value`);
  return { parent: value, last };
};

const addAt = (doc: unknown, path: string, value: unknown): unknown => {
  const tokens = parsePointer(path);
  if (tokens.length === 0) return clone(value);
  const { parent, last } = parentOf(doc, tokens, path);
  if (Array.isArray(parent)) {
    const index = last === "-" ? parent.length : Number(last);
    if (!/^\d+$/.test(last) && last !== "-") throw unprocessable(`invalid array index "${last}" in "${path}"`);
    if (index > parent.length) throw unprocessable(`add operation index out of bounds: ${path}`);
    parent.splice(index, 0, clone(value));
  } else if (isObject(parent)) {
    parent[last] = clone(value);
  } else {
    throw unprocessable(`doc is missing path: "${path}"`);
  }
  return doc;
};

const removeAt = (doc: unknown, path: string): { doc: unknown; removed: unknown } => {
  const tokens = parsePointer(path);
  const { parent, last } = parentOf(doc, tokens, path);
  if (Array.isArray(parent)) {
    const index = Number(last);
    if (!/^\d+$/.test(last) || index >= parent.length) throw unprocessable(`remove operation does not apply: doc is missing path: "${path}"`);
    const [removed] = parent.splice(index, 1);
    return { doc, removed };
  }
  if (isObject(parent) && Object.hasOwn(parent, last)) {
    const removed = parent[last];
    delete parent[last];
    return { doc, removed };
  }
  throw unprocessable(`remove operation does not apply: doc is missing path: "${path}": missing value`);
};

const applyOperation = (doc: unknown, op: string, path: string, operation: Record<string, unknown>): unknown => {
  switch (op) {
    case "add":
      if (!Object.hasOwn(operation, "value")) throw badRequest(`add operation at "${path}" has no value`);
      return addAt(doc, path, operation["value"]);
    case "remove":
      return removeAt(doc, path).doc;
    case "replace": {
      if (!Object.hasOwn(operation, "value")) throw badRequest(`replace operation at "${path}" has no value`);
      if (!valueAt(doc, parsePointer(path)).found) {
        throw unprocessable(`replace operation does not apply: doc is missing key: ${path}: missing value`);
      }
      if (path === "") return clone(operation["value"]);
      return addAt(removeAt(doc, path).doc, path, operation["value"]);
    }
    case "move":
    case "copy": {
      const from = operation["from"];
      if (typeof from !== "string") throw badRequest(`${op} operation at "${path}" has no from`);
      const source = valueAt(doc, parsePointer(from));
      if (!source.found) throw unprocessable(`${op} operation does not apply: doc is missing from path: ${from}`);
      const next = op === "move" ? removeAt(doc, from).doc : doc;
      return addAt(next, path, source.value);
    }
    case "test": {
      const actual = valueAt(doc, parsePointer(path));
      if (!actual.found || !deepEqual(actual.value, operation["value"])) {
        throw unprocessable(`testing value ${path} failed: test failed`);
      }
      return doc;
    }
    default:
      throw badRequest(`unexpected json patch kind: ${op}`);
  }
};
