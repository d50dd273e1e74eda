/**
 * `JSON.parse`, made exact on the Node versions chains-ts runs on.
 *
 * V8's JSON parser (Node 24 to 26 at least: https://github.com/nodejs/node/issues/63785) can
 * read an escaped object key as a key seen before in the same position: it compares the key's
 * *raw* text with that earlier key, over the decoded length. After any object in the process had
 * the key `\`, `{"\u003c": 1}` reads as `{"\\": 1}`. A key misread that way is always that earlier
 * key, whose text holds a backslash (the escape's first raw character). So a result with no
 * backslash in any key was read exactly; otherwise the text is read again with every escaped key
 * renamed (see `parseRenamingEscapedKeys`). Syntax errors are `JSON.parse`'s own.
 */
export const parseJsonText = (text: string): unknown => {
  const value: unknown = JSON.parse(text);
  return text.includes("\\") && hasKeyWithBackslash(value) ? parseRenamingEscapedKeys(text) : value;
};

/**
 * Calls `visit` on each object of a parsed value (itself included) with its keys, until it returns
 * true. No recursion: V8 parses nesting deeper than the call stack allows.
 */
const someObject = (value: unknown, visit: (object: Record<string, unknown>, keys: ReadonlyArray<string>) => boolean): boolean => {
  const pending: Array<unknown> = [value];
  while (pending.length > 0) {
    const next = pending.pop();
    if (typeof next !== "object" || next === null) continue;
    if (Array.isArray(next)) {
      for (const item of next) pending.push(item);
      continue;
    }
    const object = next as Record<string, unknown>;
    const keys = Object.keys(object);
    // Members are taken before the visit, which may rename the keys they are under.
    for (const key of keys) pending.push(object[key]);
    if (visit(object, keys)) return true;
  }
  return false;
};

const hasKeyWithBackslash = (value: unknown): boolean => someObject(value, (_, keys) => keys.some((key) => key.includes("\\")));

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const isJsonWhitespace = (code: number): boolean => code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d;

/**
 * Reads a valid JSON text whose escaped keys V8 may misread: each such key is replaced by a
 * placeholder without escapes (a name the text does not contain), the text is parsed, and each
 * placeholder is given back its key, decoded on its own as a JSON string (a string is never
 * misread, only a key). Objects are rebuilt in their key order with `defineProperty`, as JSON.parse
 * defines members, so `__proto__` stays an own member and a repeated key keeps its first place and
 * last value. Nothing here recurses, so any nesting JSON.parse reads is read.
 */
const parseRenamingEscapedKeys = (text: string): unknown => {
  let prefix = "~key";
  while (text.includes(prefix)) prefix += "~";
  const keys: Array<string> = [];
  let renamed = "";
  let copiedUpTo = 0;
  // Outside strings a valid JSON text has no quotes, so the quotes pair up as strings from the start.
  for (let at = 0; at < text.length; at++) {
    if (text.charCodeAt(at) !== QUOTE) continue;
    const start = at;
    let escaped = false;
    for (at++; at < text.length && text.charCodeAt(at) !== QUOTE; at++) {
      if (text.charCodeAt(at) === BACKSLASH) {
        escaped = true;
        at++;
      }
    }
    if (!escaped) continue;
    let next = at + 1;
    while (isJsonWhitespace(text.charCodeAt(next))) next++;
    if (text.charCodeAt(next) !== COLON) continue;
    renamed += `${text.slice(copiedUpTo, start)}"${prefix}${keys.length}"`;
    keys.push(JSON.parse(text.slice(start, at + 1)) as string);
    copiedUpTo = at + 1;
  }
  const value: unknown = JSON.parse(renamed + text.slice(copiedUpTo));
  someObject(value, (object, objectKeys) => {
    if (!objectKeys.some((key) => key.startsWith(prefix))) return false;
    const members = objectKeys.map((key) => object[key]);
    for (const key of objectKeys) delete object[key];
    objectKeys.forEach((key, i) => {
      const original = key.startsWith(prefix) ? keys[Number(key.slice(prefix.length))]! : key;
      Object.defineProperty(object, original, { value: members[i], writable: true, enumerable: true, configurable: true });
    });
    return false;
  });
  return value;
};
