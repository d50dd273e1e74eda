import { goValueOfJson, type GoValue } from "./go-value.ts";

const shortEscapes: Readonly<Record<string, string>> = {
  '"': '\\"',
  "\\": "\\\\",
  "\b": "\\b",
  "\f": "\\f",
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
};

/** Any character `goQuote` writes other than as itself. */
const needsEscape = /["\\\u0000-\u001f<>&\u2028\u2029\ud800-\udfff]/;

const hex4 = (code: number): string => `\\u${code.toString(16).padStart(4, "0")}`;

/**
 * Go encoding/json string escaping (HTML-safe): `<`, `>`, `&`, U+2028 and U+2029 as `\u` escapes,
 * control characters short or `\u00xx`, and a lone surrogate (invalid UTF-8 once encoded) as
 * `\ufffd`.
 */
export const goQuote = (text: string): string => {
  if (!needsEscape.test(text)) return `"${text}"`;
  let out = '"';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    const code = text.charCodeAt(i);
    const short = shortEscapes[ch];
    if (short !== undefined) out += short;
    else if (code < 0x20 || ch === "<" || ch === ">" || ch === "&" || code === 0x2028 || code === 0x2029)
      out += hex4(code);
    else if (code >= 0xd800 && code <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        out += ch + text[i + 1]!;
        i++;
      } else out += "\\ufffd";
    } else if (code >= 0xdc00 && code <= 0xdfff) out += "\\ufffd";
    else out += ch;
  }
  return out + '"';
};

/** float64 printing: JS and Go agree (exponent only below 1e-6 or from 1e21), except for `-0`. */
const goNumber = (value: number): string => (Object.is(value, -0) ? "-0" : Number.isFinite(value) ? String(value) : "null");

/** Compact Go encoding/json text of a value, keeping the key order the value carries. */
export const goJson = (value: GoValue): string => {
  if (value === null) return "null";
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "number") return goNumber(value);
  if (typeof value === "string") return goQuote(value);
  if (value instanceof Map) {
    const parts: Array<string> = [];
    for (const [k, v] of value) parts.push(`${goQuote(k)}:${goJson(v)}`);
    return `{${parts.join(",")}}`;
  }
  return `[${(value as ReadonlyArray<GoValue>).map(goJson).join(",")}]`;
};

/** `json.Marshal` of a generic parsed JSON value (`interface{}`): maps with sorted keys. */
export const goJsonOfJson = (value: unknown): string => goJson(goValueOfJson(value));
