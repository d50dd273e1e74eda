import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { goJson, goJsonOfJson, goQuote } from "../../src/domain/serialization/go-json.ts";
import { parseJsonText } from "../../src/domain/serialization/json-text.ts";
import { formatGoDuration, parseGoDuration } from "../../src/domain/serialization/go-duration.ts";
import { protoJson } from "../../src/domain/serialization/proto-json.ts";
import {
  formatKubernetesTime,
  formatProtoTimestamp,
  formatRfc3339Nano,
  parseRfc3339,
} from "../../src/domain/serialization/rfc3339.ts";

describe("Go encoding/json text", () => {
  it("escapes HTML characters, line separators and control characters like Go", () => {
    expect(goQuote("<a&b>")).toBe('"\\u003ca\\u0026b\\u003e"');
    expect(goQuote("\u2028\u2029")).toBe('"\\u2028\\u2029"');
    expect(goQuote('q"\\\b\f\n\r\t\u0001\u001f')).toBe('"q\\"\\\\\\b\\f\\n\\r\\t\\u0001\\u001f"');
    expect(goQuote("é 😀")).toBe('"é 😀"');
    expect(goQuote("\ud800x")).toBe('"\\ufffdx"');
  });

  it("sorts map keys by code point, at every depth", () => {
    expect(goJsonOfJson({ b: 1, a: { z: [true, null], "10": "x", "9": "y" } })).toBe(
      '{"a":{"10":"x","9":"y","z":[true,null]},"b":1}',
    );
  });

  it("keeps the order of Go structs (Maps)", () => {
    expect(goJson(new Map<string, string>([["z", "1"], ["a", "2"]]))).toBe('{"z":"1","a":"2"}');
  });

  // Invariant: for any JSON value, Go JSON text parses back to the same value (-0 included, which
  // Go prints as `-0` where JSON.stringify would print `0`). Read back with parseJsonText, as
  // JSON.parse itself misreads some escaped keys (see json-text.ts).
  it("round-trips any JSON value", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(parseJsonText(goJsonOfJson(value))).toEqual(value);
      }),
      { numRuns: 2000 },
    );
  });
});

describe("protojson text", () => {
  it("sorts keys, drops undefined members and does not escape HTML", () => {
    expect(protoJson({ b: "<&>", a: undefined, c: new Map([["y", 1], ["x", 2]]) })).toBe('{"b":"<&>","c":{"x":2,"y":1}}');
  });

  // Invariant: protojson output of any JSON object is the same value with keys sorted.
  it("is a JSON rendering of the same value", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(parseJsonText(protoJson(value))).toEqual(parseJsonText(JSON.stringify(value)));
      }),
    );
  });
});

describe("Go durations", () => {
  it.each([
    ["1h", "1h0m0s"],
    ["90m", "1h30m0s"],
    ["1.5s", "1.5s"],
    ["500ms", "500ms"],
    ["0", "0s"],
    ["-2m3s", "-2m3s"],
    ["1h2m3.000000004s", "1h2m3.000000004s"],
    ["1500us", "1.5ms"],
  ])("%s prints as %s", (text, expected) => {
    const nanos = parseGoDuration(text);
    expect(nanos).toBeDefined();
    expect(formatGoDuration(nanos ?? 0n)).toBe(expected);
  });

  it("rejects malformed durations", () => {
    for (const text of ["", "1", "h", "1x", "1h-2m"]) expect(parseGoDuration(text)).toBeUndefined();
  });
});

describe("RFC 3339 times", () => {
  it("converts offsets to UTC and keeps nanoseconds", () => {
    const t = parseRfc3339("1995-12-24T06:12:12.000000012+12:00");
    expect(t).toBeDefined();
    if (t === undefined) return;
    expect(formatRfc3339Nano(t)).toBe("1995-12-23T18:12:12.000000012Z");
    expect(formatProtoTimestamp(t)).toBe("1995-12-23T18:12:12.000000012Z");
    expect(formatKubernetesTime(t)).toBe("1995-12-23T18:12:12Z");
  });

  it("prints protojson fractions with 0, 3, 6 or 9 digits and Go fractions trimmed", () => {
    const t = parseRfc3339("2021-03-29T09:50:00.1Z");
    if (t === undefined) throw new Error("unparsed");
    expect(formatProtoTimestamp(t)).toBe("2021-03-29T09:50:00.100Z");
    expect(formatRfc3339Nano(t)).toBe("2021-03-29T09:50:00.1Z");
    const whole = parseRfc3339("2021-03-29T09:50:00Z");
    if (whole === undefined) throw new Error("unparsed");
    expect(formatProtoTimestamp(whole)).toBe("2021-03-29T09:50:00Z");
    expect(parseRfc3339("yesterday")).toBeUndefined();
  });
});
