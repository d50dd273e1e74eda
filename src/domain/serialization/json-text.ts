import { visit } from "jsonc-parser";

/**
 * `JSON.parse`, made exact on the Node versions chains-ts runs on.
 *
 * V8's JSON parser (Node 24 to 26 at least: https://github.com/nodejs/node/issues/63785) can
 * read an escaped object key as a key seen before in the same position: it compares the key's
 * *raw* text with that earlier key, over the decoded length. After any object in the process had
 * the key `\`, `{"\u003c": 1}` reads as `{"\\": 1}`. A key misread that way is always that earlier
 * key, whose text holds a backslash (the escape's first raw character). So a result with no
 * backslash in any key was read exactly; otherwise the text is read again by a parser that
 * decodes each key before storing it. Syntax errors are `JSON.parse`'s own.
 */
export const parseJsonText = (text: string): unknown => {
  const value: unknown = JSON.parse(text);
  return text.includes("\\") && hasKeyWithBackslash(value) ? parseDecodingEachKey(text) : value;
};

const hasKeyWithBackslash = (value: unknown): boolean => {
  // An explicit stack: V8 parses nesting deeper than the call stack allows.
  const pending: Array<unknown> = [value];
  while (pending.length > 0) {
    const next = pending.pop();
    if (typeof next !== "object" || next === null) continue;
    if (Array.isArray(next)) {
      for (const item of next) pending.push(item);
      continue;
    }
    for (const key of Object.keys(next)) {
      if (key.includes("\\")) return true;
      pending.push((next as Record<string, unknown>)[key]);
    }
  }
  return false;
};

type Container = { readonly object: Record<string, unknown>; key: string } | { readonly array: Array<unknown> };

/** A valid JSON text read with jsonc-parser's scanner, members defined as JSON.parse defines them. */
const parseDecodingEachKey = (text: string): unknown => {
  const open: Array<Container> = [];
  let root: unknown;
  const place = (value: unknown): void => {
    const parent = open.at(-1);
    if (parent === undefined) root = value;
    else if ("array" in parent) parent.array.push(value);
    // defineProperty, as JSON.parse does: `__proto__` becomes an own member, not the prototype.
    else Object.defineProperty(parent.object, parent.key, { value, writable: true, enumerable: true, configurable: true });
  };
  visit(
    text,
    {
      onObjectBegin: () => {
        const object: Record<string, unknown> = {};
        place(object);
        open.push({ object, key: "" });
      },
      onObjectProperty: (key) => {
        const parent = open.at(-1);
        if (parent !== undefined && "object" in parent) parent.key = key;
      },
      onObjectEnd: () => void open.pop(),
      onArrayBegin: () => {
        const array: Array<unknown> = [];
        place(array);
        open.push({ array });
      },
      onArrayEnd: () => void open.pop(),
      onLiteralValue: place,
    },
    { disallowComments: true, allowTrailingComma: false },
  );
  return root;
};
