/**
 * A JSON value as Go's encoding/json would produce it. Objects are `Map`s so their key order is
 * exactly the order Go writes (struct declaration order, or sorted for Go maps), whatever the keys
 * look like (plain JS objects would move integer-like keys to the front).
 */
export type GoValue = null | boolean | number | string | ReadonlyArray<GoValue> | ReadonlyMap<string, GoValue>;

/** Byte-wise UTF-8 order, which is code point order: how Go sorts map keys. */
export const compareCodePoints = (a: string, b: string): number => {
  // Code units compare like code points except where a surrogate differs (a code point above
  // U+FFFF, or a lone surrogate): only then are the strings split into code points.
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const l = a.charCodeAt(i);
    const r = b.charCodeAt(i);
    if (l === r) continue;
    return isSurrogate(l) || isSurrogate(r) ? compareSplit(a, b) : l - r;
  }
  return a.length - b.length;
};

const isSurrogate = (unit: number): boolean => unit >= 0xd800 && unit <= 0xdfff;

const compareSplit = (a: string, b: string): number => {
  const left = Array.from(a);
  const right = Array.from(b);
  const length = Math.min(left.length, right.length);
  for (let i = 0; i < length; i++) {
    const l = left[i]!.codePointAt(0)!;
    const r = right[i]!.codePointAt(0)!;
    if (l !== r) return l - r;
  }
  return left.length - right.length;
};

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Map);

/**
 * A parsed JSON value (an `interface{}` in Go) as Go marshals it: map keys sorted at every depth.
 * `undefined` members are dropped, as they cannot come from JSON.
 */
export const goValueOfJson = (value: unknown): GoValue => {
  if (value === null || value === undefined) return null;
  if (typeof value === "boolean" || typeof value === "number" || typeof value === "string") return value;
  if (Array.isArray(value)) return value.map(goValueOfJson);
  if (value instanceof Map) {
    const keys = [...value.keys()].filter((k): k is string => typeof k === "string").sort(compareCodePoints);
    return new Map(keys.map((k) => [k, goValueOfJson(value.get(k))] as const));
  }
  if (isRecord(value)) {
    const keys = Object.keys(value)
      .filter((k) => value[k] !== undefined)
      .sort(compareCodePoints);
    return new Map(keys.map((k) => [k, goValueOfJson(value[k])] as const));
  }
  return null;
};

/** A parsed JSON value kept in its own key order (Go `json.RawMessage` / `runtime.RawExtension`). */
export const goValueKeepingOrder = (value: unknown): GoValue => {
  if (value === null || value === undefined) return null;
  if (typeof value === "boolean" || typeof value === "number" || typeof value === "string") return value;
  if (Array.isArray(value)) return value.map(goValueKeepingOrder);
  if (isRecord(value)) {
    return new Map(
      Object.keys(value)
        .filter((k) => value[k] !== undefined)
        .map((k) => [k, goValueKeepingOrder(value[k])] as const),
    );
  }
  return null;
};
