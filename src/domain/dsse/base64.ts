const standard = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const urlSafe = /^(?:[A-Za-z0-9\-_]{4})*(?:[A-Za-z0-9\-_]{2}==|[A-Za-z0-9\-_]{3}=)?$/;

/**
 * Go's `base64.StdEncoding.DecodeString`: padded standard base64, undefined for anything else.
 * (Node's decoder silently skips invalid characters, which would let corrupt input through.)
 */
export const decodeStdBase64 = (text: string): Uint8Array | undefined =>
  standard.test(text) ? new Uint8Array(Buffer.from(text, "base64")) : undefined;

/** Go's `base64.URLEncoding.DecodeString`: padded URL-safe base64, undefined for anything else. */
export const decodeUrlBase64 = (text: string): Uint8Array | undefined =>
  urlSafe.test(text) ? new Uint8Array(Buffer.from(text, "base64url")) : undefined;

/** Go's `base64.StdEncoding.EncodeToString`: padded standard base64. */
export const encodeStdBase64 = (bytes: Uint8Array): string =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
