/**
 * RFC 3339 times kept exactly (nanoseconds included, which a JS `Date` cannot hold): parsed into
 * UTC whole seconds plus a fraction string, then printed in the forms Go and protojson use.
 */
export interface UtcTime {
  /** Seconds since the Unix epoch, UTC. */
  readonly epochSeconds: number;
  /** Up to nine fractional digits, right-padded to nine. */
  readonly nanos: string;
}

const pattern = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

export const parseRfc3339 = (text: string): UtcTime | undefined => {
  const m = pattern.exec(text.trim());
  if (m === null) return undefined;
  const [, y, mo, d, h, mi, s, frac, , sign, oh, om] = m;
  const local = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)) / 1000;
  if (Number.isNaN(local)) return undefined;
  const offset = sign === undefined ? 0 : (sign === "-" ? -1 : 1) * (Number(oh) * 3600 + Number(om) * 60);
  return { epochSeconds: local - offset, nanos: (frac ?? "").padEnd(9, "0") };
};

const wholeSeconds = (t: UtcTime): string => {
  const iso = new Date(t.epochSeconds * 1000).toISOString(); // YYYY-MM-DDTHH:MM:SS.000Z
  return iso.slice(0, 19);
};

/** Go `time.RFC3339Nano` in UTC: fraction only when non-zero, trailing zeros trimmed. */
export const formatRfc3339Nano = (t: UtcTime): string => {
  const frac = t.nanos.replace(/0+$/, "");
  return `${wholeSeconds(t)}${frac === "" ? "" : `.${frac}`}Z`;
};

/** protojson `Timestamp`: UTC, fraction absent when zero, otherwise 3, 6 or 9 digits. */
export const formatProtoTimestamp = (t: UtcTime): string => {
  const n = t.nanos;
  const frac = /^0{9}$/.test(n) ? "" : n.endsWith("000000") ? n.slice(0, 3) : n.endsWith("000") ? n.slice(0, 6) : n;
  return `${wholeSeconds(t)}${frac === "" ? "" : `.${frac}`}Z`;
};

/** `metav1.Time` marshalling: UTC, whole seconds. */
export const formatKubernetesTime = (t: UtcTime): string => `${wholeSeconds(t)}Z`;
