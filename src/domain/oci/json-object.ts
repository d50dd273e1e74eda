/** A parsed JSON object (not an array, not null). */
export const isJsonObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** Strict UTF-8 JSON from registry bytes; the error message says why it could not be read. */
export const parseJsonBytes = (bytes: Uint8Array): { readonly value: unknown } | { readonly error: string } => {
  try {
    return { value: JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes)) };
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e) };
  }
};
