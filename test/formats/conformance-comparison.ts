import { isJsonObject } from "../../src/domain/oci/json-object.ts";

/**
 * What a conformance case expects of the output document (test/fixtures/README.md): the whole
 * document, or fragments at JSON pointers plus pointers that must not resolve. Arrays at an
 * `unordered` pointer are compared as multisets, wherever that pointer falls.
 */
export type ConformanceExpectation =
  | { readonly whole: unknown; readonly unordered: ReadonlyArray<string> }
  | {
      readonly fragments: Readonly<Record<string, unknown>>;
      readonly absent: ReadonlyArray<string>;
      readonly unordered: ReadonlyArray<string>;
    };

/** RFC 6901: "" is the whole document; `~1` stands for `/` and `~0` for `~` (in that order). */
export const pointerTokens = (pointer: string): ReadonlyArray<string> => {
  if (pointer === "") return [];
  if (!pointer.startsWith("/")) throw new Error(`invalid JSON pointer ${JSON.stringify(pointer)}`);
  return pointer
    .slice(1)
    .split("/")
    .map((token) => token.replaceAll("~1", "/").replaceAll("~0", "~"));
};

const arrayIndex = /^(?:0|[1-9][0-9]*)$/;

/** The value a pointer names in a JSON document, or undefined when it names nothing. */
export const resolvePointer = (document: unknown, tokens: ReadonlyArray<string>): unknown => {
  let at: unknown = document;
  for (const token of tokens) {
    if (Array.isArray(at)) {
      if (!arrayIndex.test(token) || Number(token) >= at.length) return undefined;
      at = at[Number(token)];
    } else if (isJsonObject(at) && Object.hasOwn(at, token)) {
      at = at[token];
    } else {
      return undefined;
    }
  }
  return at;
};

/** JSON text with object keys sorted, so that equal values have equal text. */
const sortedKeysText = (value: unknown): string => {
  if (Array.isArray(value)) return `[${value.map(sortedKeysText).join(",")}]`;
  if (isJsonObject(value))
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${sortedKeysText(value[key])}`)
      .join(",")}}`;
  return JSON.stringify(value);
};

/** `content` of a resolvedDependencies[] or byproducts[] entry holds base64 of Go's json.Marshal output. */
const isContentField = (path: ReadonlyArray<string>): boolean =>
  path.length >= 3 &&
  path.at(-1) === "content" &&
  arrayIndex.test(path.at(-2) ?? "") &&
  (path.at(-3) === "resolvedDependencies" || path.at(-3) === "byproducts");

/**
 * Chains and chains-ts may marshal the same JSON differently (key order, escapes), so content is
 * compared decoded: as JSON when it is JSON, else as bytes, else (not base64) as the text itself.
 * Each outcome has its own prefix, so values of different outcomes never compare equal.
 */
const comparableContent = (text: string): string => {
  const bytes = Buffer.from(text, "base64");
  if (bytes.toString("base64") !== text) return `not base64: ${text}`;
  try {
    return `base64 of JSON: ${sortedKeysText(JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes)))}`;
  } catch {
    return `base64 of bytes: ${bytes.toString("hex")}`;
  }
};

/**
 * The value with every rule of the corpus applied, so that plain deep equality (vitest's
 * toStrictEqual, which also tells a missing key from a null or empty one) decides a match:
 * content fields decoded, arrays at unordered pointers sorted by their elements' text.
 */
const comparable = (value: unknown, path: ReadonlyArray<string>, unordered: ReadonlySet<string>): unknown => {
  if (typeof value === "string" && isContentField(path)) return comparableContent(value);
  if (Array.isArray(value)) {
    const elements = value.map((element, index) => comparable(element, [...path, String(index)], unordered));
    if (!unordered.has(JSON.stringify(path))) return elements;
    return elements
      .map((element) => ({ element, text: sortedKeysText(element) }))
      .sort((a, b) => (a.text < b.text ? -1 : a.text > b.text ? 1 : 0))
      .map(({ element }) => element);
  }
  if (isJsonObject(value))
    return Object.fromEntries(Object.entries(value).map(([key, field]) => [key, comparable(field, [...path, key], unordered)]));
  return value;
};

/**
 * The expectation and the output, each in comparable form: the case passes when they are
 * strictly deeply equal. A fragment whose pointer does not resolve is undefined on the output
 * side; a pointer that must be absent is undefined on the expected side.
 */
export const comparisonSides = (
  expectation: ConformanceExpectation,
  output: unknown,
): { readonly expected: unknown; readonly actual: unknown } => {
  const unordered = new Set(expectation.unordered.map((pointer) => JSON.stringify(pointerTokens(pointer))));
  if ("whole" in expectation)
    return { expected: comparable(expectation.whole, [], unordered), actual: comparable(output, [], unordered) };
  const fragments = Object.entries(expectation.fragments).map(([pointer, fragment]) => {
    const tokens = pointerTokens(pointer);
    const found = resolvePointer(output, tokens);
    return { pointer, expected: comparable(fragment, tokens, unordered), actual: found === undefined ? undefined : comparable(found, tokens, unordered) };
  });
  const absent = expectation.absent.map((pointer) => ({ pointer, found: resolvePointer(output, pointerTokens(pointer)) }));
  return {
    expected: {
      fragments: Object.fromEntries(fragments.map((f) => [f.pointer, f.expected])),
      absent: Object.fromEntries(absent.map((a) => [a.pointer, undefined])),
    },
    actual: {
      fragments: Object.fromEntries(fragments.map((f) => [f.pointer, f.actual])),
      absent: Object.fromEntries(absent.map((a) => [a.pointer, a.found])),
    },
  };
};
