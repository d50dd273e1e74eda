import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { comparisonSides, pointerTokens, resolvePointer, type ConformanceExpectation } from "./conformance-comparison.ts";

const matches = (expectation: ConformanceExpectation, output: unknown): boolean => {
  const { expected, actual } = comparisonSides(expectation, output);
  try {
    expect(actual).toStrictEqual(expected);
    return true;
  } catch {
    return false;
  }
};
const whole = (document: unknown, unordered: ReadonlyArray<string> = []): ConformanceExpectation => ({ whole: document, unordered });
const partial = (fragments: Readonly<Record<string, unknown>>, absent: ReadonlyArray<string> = [], unordered: ReadonlyArray<string> = []) => ({
  fragments,
  absent,
  unordered,
});
const base64 = (text: string) => Buffer.from(text).toString("base64");

describe("JSON pointers", () => {
  it("unescapes ~1 before ~0, so ~01 names the key ~1", () => {
    expect(pointerTokens("/a~1b/~01/~0")).toEqual(["a/b", "~1", "~"]);
    expect(pointerTokens("")).toEqual([]);
    expect(() => pointerTokens("a")).toThrow(/invalid JSON pointer/);
  });

  it("resolves array indices without leading zeros, and nothing past the end", () => {
    const document = { list: [{ a: null }, 2] };
    expect(resolvePointer(document, ["list", "0", "a"])).toBeNull();
    expect(resolvePointer(document, ["list", "01"])).toBeUndefined();
    expect(resolvePointer(document, ["list", "2"])).toBeUndefined();
    expect(resolvePointer(document, ["list", "0", "b"])).toBeUndefined();
  });
});

describe("whole-document cases", () => {
  it("ignore key order but no missing or extra key", () => {
    expect(matches(whole({ a: 1, b: { c: "x" } }), { b: { c: "x" }, a: 1 })).toBe(true);
    expect(matches(whole({ a: 1 }), { a: 1, b: 2 })).toBe(false);
    expect(matches(whole({ a: 1, b: 2 }), { a: 1 })).toBe(false);
  });

  it("tell a missing key from null and from empty values", () => {
    expect(matches(whole({ a: null }), {})).toBe(false);
    for (const empty of [[], {}, ""]) {
      expect(matches(whole({ a: empty }), {})).toBe(false);
      expect(matches(whole({}), { a: empty })).toBe(false);
    }
    expect(matches(whole({ a: null }), { a: null })).toBe(true);
  });

  it("compare arrays in order, except at an unordered pointer, where counts still matter", () => {
    expect(matches(whole({ m: [1, 2] }), { m: [2, 1] })).toBe(false);
    expect(matches(whole({ m: [1, 2] }, ["/m"]), { m: [2, 1] })).toBe(true);
    expect(matches(whole({ m: [1, 1, 2] }, ["/m"]), { m: [1, 2, 2] })).toBe(false);
    expect(matches(whole({ m: [{ u: "a", d: { s: "1" } }, { u: "b" }] }, ["/m"]), { m: [{ u: "b" }, { d: { s: "1" }, u: "a" }] })).toBe(true);
  });

  it("compare resolvedDependencies and byproducts content decoded, as JSON when it is JSON", () => {
    const dependency = (content: string) => ({ predicate: { resolvedDependencies: [{ name: "x", content }] } });
    expect(matches(whole(dependency(base64('{"a":1,"b":"<"}'))), dependency(base64('{"b":"\\u003c","a":1}')))).toBe(true);
    expect(matches(whole(dependency(base64('{"a":1}'))), dependency(base64('{"a":2}')))).toBe(false);
    expect(matches(whole(dependency(base64("not json"))), dependency(base64("not json")))).toBe(true);
    expect(matches(whole(dependency(base64("not json"))), dependency(base64("not jsoN")))).toBe(false);
    expect(matches(whole(dependency("plain text!")), dependency("plain text!"))).toBe(true);
    // Elsewhere, content is an ordinary string.
    expect(matches(whole({ content: base64('{"a":1,"b":2}') }), { content: base64('{"b":2,"a":1}') })).toBe(false);
  });
});

describe("partial cases", () => {
  it("check only the fragments, each at its pointer", () => {
    const output = { subject: [{ name: "a/b" }], other: 1 };
    expect(matches(partial({ "/subject/0/name": "a/b" }), output)).toBe(true);
    expect(matches(partial({ "/subject/0/name": "a/c" }), output)).toBe(false);
    expect(matches(partial({ "/subject/1": { name: "a/b" } }), output)).toBe(false);
    expect(matches(partial({ "/a~1b": null }), { "a/b": null })).toBe(true);
  });

  it("fail when a pointer that must be absent resolves, even to null", () => {
    expect(matches(partial({}, ["/subject"]), { predicate: {} })).toBe(true);
    expect(matches(partial({}, ["/subject"]), { subject: null })).toBe(false);
  });

  it("apply an unordered pointer inside a fragment that contains it", () => {
    expect(matches(partial({ "/predicate": { materials: [1, 2] } }, [], ["/predicate/materials"]), { predicate: { materials: [2, 1] } })).toBe(true);
    expect(matches(partial({ "/predicate": { materials: [1, 2] } }), { predicate: { materials: [2, 1] } })).toBe(false);
  });
});

// Any reordering of an array at an unordered pointer matches it; dropping any one element does not.
it("treats an unordered array as a multiset", () => {
  fc.assert(
    fc.property(
      fc.array(fc.jsonValue(), { minLength: 1, maxLength: 8 }).chain((items) =>
        fc.tuple(fc.constant(items), fc.shuffledSubarray(items, { minLength: items.length }), fc.nat(items.length - 1)),
      ),
      ([items, shuffled, drop]) => {
        const expectation = whole({ list: items }, ["/list"]);
        expect(matches(expectation, { list: shuffled })).toBe(true);
        expect(matches(expectation, { list: shuffled.toSpliced(drop, 1) })).toBe(false);
      },
    ),
  );
});
