const encoder = new TextEncoder();

/**
 * DSSE pre-authentication encoding (signing.md §4): the bytes a DSSE signature covers,
 * `"DSSEv1" SP len(type) SP type SP len(payload) SP payload`, lengths as decimal byte counts of the
 * UTF-8 type and of the raw (not base64) payload. Signing PAE rather than the payload binds the
 * payload type, so a signature cannot be replayed under another type.
 */
export const preAuthEncoding = (payloadType: string, payload: Uint8Array): Uint8Array => {
  const type = encoder.encode(payloadType);
  const header = encoder.encode(`DSSEv1 ${type.length} `);
  const middle = encoder.encode(` ${payload.length} `);
  const out = new Uint8Array(header.length + type.length + middle.length + payload.length);
  out.set(header, 0);
  out.set(type, header.length);
  out.set(middle, header.length + type.length);
  out.set(payload, header.length + type.length + middle.length);
  return out;
};
