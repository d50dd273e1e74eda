import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { goQuote } from "../../src/domain/serialization/go-json.ts";
import { parseJsonText } from "../../src/domain/serialization/json-text.ts";

/** A character Go's encoding/json writes as an escape. */
const escapedCharacter = fc.constantFrom('"', "\\", "\n", "\t", "\u0001", "<", ">", "&", "\u2028");

describe("parseJsonText", () => {
  it("reads a key V8's JSON.parse misreads once an object had the key `\\`", () => {
    parseJsonText('{"h":[],"\\\\":0}');
    expect(Object.keys(parseJsonText('{"h":1,"\\u003c":2}') as object)).toEqual(["h", "<"]);
    expect(Object.keys(parseJsonText('{"h":1,"\\"":2}') as object)).toEqual(["h", '"']);
  });

  // Invariant: after the process has read an object whose key is an escaped key's raw text cut to
  // the key's decoded length, in the same position, parseJsonText still reads the escaped key exactly.
  it("reads escaped keys exactly whatever keys were read before", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 6 }), escapedCharacter, fc.string({ maxLength: 3 }), (before, escaped, lead) => {
        const key = before + escaped;
        fc.pre(lead !== key);
        const raw = goQuote(key).slice(1, -1);
        parseJsonText(`{${goQuote(lead)}:0,${goQuote(raw.slice(0, key.length))}:0}`);
        const read = parseJsonText(`{${goQuote(lead)}:1,${goQuote(key)}:2}`);
        expect(Object.entries(read as object)).toEqual([[lead, 1], [key, 2]]);
      }),
      { numRuns: 500 },
    );
  });

  it("defines `__proto__` as an own member, as JSON.parse does, also when it reads a text again", () => {
    const read = parseJsonText('{"a\\\\":1,"__proto__":{"polluted":true}}') as Record<string, unknown>;
    expect(Object.getPrototypeOf(read)).toBe(Object.prototype);
    expect(Object.keys(read)).toEqual(["a\\", "__proto__"]);
    expect(read["__proto__"]).toEqual({ polluted: true });
  });

  // Invariant: a JSON text with a key holding a backslash (read a second time, renaming its escaped
  // keys) reads as the same members in the same order: written back it is the same text.
  it("reads texts it must read twice exactly, members in order", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = JSON.stringify({ "\\": value, "~key0": 1 });
        expect(JSON.stringify(parseJsonText(text))).toBe(text);
      }),
      { numRuns: 1000 },
    );
  });

  it("keeps JSON.parse's place and value for a key written twice, once escaped", () => {
    const read = parseJsonText('{"a\\\\":0,"b":1,"x":2,"\\u0062":3}') as Record<string, unknown>;
    expect(Object.entries(read)).toEqual([["a\\", 0], ["b", 3], ["x", 2]]);
  });

  it("reads nesting deeper than the call stack, also when it reads the text twice, and throws JSON.parse's syntax errors", () => {
    const depth = 50_000;
    for (const key of ["k", "k\\\\"]) {
      const text = `${`{${JSON.stringify(key)}:["\\n",`.repeat(depth)}1${"]}".repeat(depth)}`;
      let level = parseJsonText(text);
      for (let i = 0; i < depth; i++) level = (level as Record<string, Array<unknown>>)[key]![1];
      expect(level).toBe(1);
    }
    expect(() => parseJsonText('{"a":}')).toThrow(SyntaxError);
  });
});
