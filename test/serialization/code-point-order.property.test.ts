import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { goQuote } from "../../src/domain/serialization/go-json.ts";
import { compareCodePoints } from "../../src/domain/serialization/go-value.ts";
import { protoJson } from "../../src/domain/serialization/proto-json.ts";

/** The definition: compare the strings' code points one by one (a lone surrogate is its own code point). */
const byCodePoints = (a: string, b: string): number => {
  const left = [...a].map((c) => c.codePointAt(0)!);
  const right = [...b].map((c) => c.codePointAt(0)!);
  for (let i = 0; i < Math.min(left.length, right.length); i++) if (left[i] !== right[i]) return left[i]! - right[i]!;
  return left.length - right.length;
};

/** Strings mixing ASCII, high BMP (after the surrogates), astral characters and lone surrogates. */
const tricky = fc
  .array(fc.constantFrom("a", "b", "\ue000", "\uffff", "😀", "𐀀", "\ud800", "\udc00", "\udbff"), { maxLength: 6 })
  .map((parts) => parts.join(""));

describe("code point order (Go's map key order)", () => {
  // compareCodePoints orders any two strings as their code point sequences do.
  it("agrees with comparing code points", () => {
    fc.assert(
      fc.property(fc.oneof(tricky, fc.string({ unit: "binary" })), fc.oneof(tricky, fc.string({ unit: "binary" })), (a, b) => {
        expect(Math.sign(compareCodePoints(a, b))).toBe(Math.sign(byCodePoints(a, b)));
      }),
      { numRuns: 2_000 },
    );
  });

  // For well-formed text, code point order is UTF-8 byte order, which is what Go sorts by.
  it("is UTF-8 byte order for well-formed text", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme" }), fc.string({ unit: "grapheme" }), (a, b) => {
        expect(Math.sign(compareCodePoints(a, b))).toBe(Math.sign(Buffer.compare(Buffer.from(a), Buffer.from(b))));
      }),
    );
  });
});

describe("protoJson", () => {
  // protoJson writes any string, however long or odd, exactly as JSON.stringify does.
  it("writes strings as JSON.stringify does", () => {
    fc.assert(
      fc.property(fc.oneof(tricky, fc.string({ unit: "binary" }), fc.string({ unit: "grapheme", minLength: 200 }), fc.constantFrom('a"b', "\\", "\n\t", "\u007f")), (text) => {
        expect(protoJson(text)).toBe(JSON.stringify(text));
        expect(protoJson({ [text]: text })).toBe(`{${JSON.stringify(text)}:${JSON.stringify(text)}}`);
      }),
      { numRuns: 2_000 },
    );
  });

  // protoJson writes an object's keys in code point order, whatever characters they hold.
  it("writes keys in code point order", () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.oneof(tricky, fc.string({ unit: "binary" }), fc.string()), { maxLength: 8 }), (keys) => {
        const expected = [...keys].sort(byCodePoints).map((key) => `${JSON.stringify(key)}:0`);
        expect(protoJson(Object.fromEntries(keys.map((key) => [key, 0])))).toBe(`{${expected.join(",")}}`);
      }),
      { numRuns: 2_000 },
    );
  });
});

describe("goQuote", () => {
  // A string is quoted as Go's json.Marshal does: JSON that parses back to it, with < > & U+2028 U+2029 escaped (well-formed input).
  it("round-trips through JSON.parse and never writes an HTML-unsafe character", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: "grapheme" }), fc.constantFrom("<a&b>", "\u2028", "plain")), (text) => {
        const quoted = goQuote(text);
        expect(JSON.parse(quoted)).toBe(text);
        expect(quoted).not.toMatch(/[<>&\u2028\u2029]/);
      }),
    );
  });
});
