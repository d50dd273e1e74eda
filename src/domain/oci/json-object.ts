import { parseJsonText } from "../serialization/json-text.ts";

/** A parsed JSON object (not an array, not null). */
export const isJsonObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** The JSON object `text` holds, or `undefined` when it is not JSON or not an object. */
export const parseJsonObjectText = (text: string): Record<string, unknown> | undefined => {
  try {
    const json = parseJsonText(text);
    return isJsonObject(json) ? json : undefined;
  } catch {
    return undefined;
  }
};

/** Strict UTF-8 JSON from registry bytes; the error message says why it could not be read. */
export const parseJsonBytes = (bytes: Uint8Array): { readonly value: unknown } | { readonly error: string } => {
  try {
    return { value: parseJsonText(new TextDecoder("utf-8", { fatal: true }).decode(bytes)) };
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e) };
  }
};
