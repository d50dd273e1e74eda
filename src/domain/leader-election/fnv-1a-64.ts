/**
 * A 64-bit FNV-1a hash (Go's `hash/fnv.New64a`), which knative's bucket choice is built on. The
 * state after some bytes is their hash, so hashing `a + b` is hashing `b` from the hash of `a`.
 * Held as two unsigned 32-bit halves: JavaScript numbers cannot multiply 64-bit values exactly,
 * and BigInt arithmetic per byte is far slower.
 */
export interface Fnv64 {
  readonly hi: number;
  readonly lo: number;
}

export const FNV64_OFFSET_BASIS: Fnv64 = { hi: 0xcbf29ce4, lo: 0x84222325 };

const utf8 = new TextEncoder();

/** The hash of `text`'s UTF-8 bytes (Go hashes a string's bytes), continued from `from`. */
export const fnv1a64 = (text: string | Uint8Array, from: Fnv64 = FNV64_OFFSET_BASIS): Fnv64 => {
  const bytes = typeof text === "string" ? utf8.encode(text) : text;
  let { hi, lo } = from;
  for (const byte of bytes) {
    lo = (lo ^ byte) >>> 0;
    // × 0x100000001b3 (2^40 + 0x1b3) modulo 2^64: the 2^40 term only shifts `lo`'s low 24 bits into `hi`.
    const loProduct = lo * 0x1b3;
    hi = (hi * 0x1b3 + Math.floor(loProduct / 0x1_0000_0000) + ((lo << 8) >>> 0)) >>> 0;
    lo = loProduct >>> 0;
  }
  return { hi, lo };
};

/** Lowercase hex without leading zeros, as Go's `strconv.FormatUint(h, 16)`. */
export const fnv64Hex = ({ hi, lo }: Fnv64): string => (hi === 0 ? lo.toString(16) : hi.toString(16) + lo.toString(16).padStart(8, "0"));
