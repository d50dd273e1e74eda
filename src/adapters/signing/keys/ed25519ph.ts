import { createHash } from "node:crypto";

/*
 * Ed25519ph (RFC 8032 §5.1, SHA-512 pre-hash, empty context): what cosign signs with for Ed25519
 * cosign.key files (signing.md §2). Neither Node's crypto nor OpenSSL 3.0 offer the pre-hashed
 * variant, and no curve library is a dependency yet, so the group law is written out here, in
 * variable time: acceptable for the rare Ed25519 cosign key, replaceable by `@noble/curves`.
 */

const P = 2n ** 255n - 19n;
const L = 2n ** 252n + 27742317777372353535851937790883648493n;

const mod = (a: bigint, m: bigint = P): bigint => {
  const r = a % m;
  return r >= 0n ? r : r + m;
};

const power = (base: bigint, exponent: bigint): bigint => {
  let result = 1n;
  let b = mod(base);
  for (let e = exponent; e > 0n; e >>= 1n) {
    if (e & 1n) result = (result * b) % P;
    b = (b * b) % P;
  }
  return result;
};

const invert = (a: bigint): bigint => power(a, P - 2n);
const D = mod(-121665n * invert(121666n));
const SQRT_M1 = power(2n, (P - 1n) / 4n);

/** A point in extended coordinates (X:Y:Z:T), x = X/Z, y = Y/Z, xy = T/Z. */
interface Point {
  readonly x: bigint;
  readonly y: bigint;
  readonly z: bigint;
  readonly t: bigint;
}

const IDENTITY: Point = { x: 0n, y: 1n, z: 1n, t: 0n };

const add = (a: Point, b: Point): Point => {
  const aa = mod((a.y - a.x) * (b.y - b.x));
  const bb = mod((a.y + a.x) * (b.y + b.x));
  const cc = mod(2n * a.t * b.t * D);
  const dd = mod(2n * a.z * b.z);
  const e = bb - aa;
  const f = dd - cc;
  const g = dd + cc;
  const h = bb + aa;
  return { x: mod(e * f), y: mod(g * h), z: mod(f * g), t: mod(e * h) };
};

const multiply = (scalar: bigint, point: Point): Point => {
  let result = IDENTITY;
  let addend = point;
  for (let k = scalar; k > 0n; k >>= 1n) {
    if (k & 1n) result = add(result, addend);
    addend = add(addend, addend);
  }
  return result;
};

const littleEndianToInt = (bytes: Uint8Array): bigint => {
  let n = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i] ?? 0);
  return n;
};

const intToLittleEndian32 = (n: bigint): Uint8Array => {
  const out = new Uint8Array(32);
  let v = n;
  for (let i = 0; i < 32; i++) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
};

const encode = (p: Point): Uint8Array => {
  const zInv = invert(p.z);
  const x = mod(p.x * zInv);
  const y = mod(p.y * zInv);
  return intToLittleEndian32(y | ((x & 1n) << 255n));
};

/** RFC 8032 §5.1.3; undefined for an encoding that is not a curve point. */
const decode = (bytes: Uint8Array): Point | undefined => {
  if (bytes.length !== 32) return undefined;
  const n = littleEndianToInt(bytes);
  const y = n & ((1n << 255n) - 1n);
  const sign = n >> 255n;
  if (y >= P) return undefined;
  const u = mod(y * y - 1n);
  const v = mod(D * y * y + 1n);
  let x = mod(u * power(v, 3n) * power(u * power(v, 7n), (P - 5n) / 8n));
  const check = mod(v * x * x);
  if (check === mod(-u)) x = mod(x * SQRT_M1);
  else if (check !== u) return undefined;
  if (x === 0n && sign === 1n) return undefined;
  if ((x & 1n) !== sign) x = P - x;
  return { x, y, z: 1n, t: mod(x * y) };
};

const BASE = decode(intToLittleEndian32(mod(4n * invert(5n))))!;

/** dom2(phflag = 1, context = ""). */
const DOM2 = Buffer.concat([Buffer.from("SigEd25519 no Ed25519 collisions"), Buffer.of(1, 0)]);

const sha512 = (...parts: ReadonlyArray<Uint8Array>): Uint8Array => {
  const hash = createHash("sha512");
  for (const part of parts) hash.update(part);
  return hash.digest();
};

const expandSeed = (seed: Uint8Array): { readonly scalar: bigint; readonly prefix: Uint8Array } => {
  const h = sha512(seed);
  const low = h.slice(0, 32);
  low[0] = (low[0] ?? 0) & 248;
  low[31] = ((low[31] ?? 0) & 127) | 64;
  return { scalar: littleEndianToInt(low), prefix: h.slice(32) };
};

/** Ed25519ph signature (64 bytes) of `message` by the key with this 32-byte seed. */
export const ed25519phSign = (seed: Uint8Array, message: Uint8Array): Uint8Array => {
  const { scalar, prefix } = expandSeed(seed);
  const publicKey = encode(multiply(scalar, BASE));
  const digest = sha512(message);
  const r = mod(littleEndianToInt(sha512(DOM2, prefix, digest)), L);
  const encodedR = encode(multiply(r, BASE));
  const k = mod(littleEndianToInt(sha512(DOM2, encodedR, publicKey, digest)), L);
  const s = mod(r + k * scalar, L);
  return Buffer.concat([encodedR, intToLittleEndian32(s)]);
};

/**
 * Ed25519ph verification as Go's `ed25519.VerifyWithOptions` does it: cofactorless, S < L, and
 * R compared byte for byte with the encoding of [S]B − [k]A.
 */
export const ed25519phVerify = (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean => {
  if (signature.length !== 64) return false;
  const a = decode(publicKey);
  if (a === undefined) return false;
  const encodedR = signature.subarray(0, 32);
  const s = littleEndianToInt(signature.subarray(32));
  if (s >= L) return false;
  const k = mod(littleEndianToInt(sha512(DOM2, encodedR, publicKey, sha512(message))), L);
  const negA: Point = { x: mod(-a.x), y: a.y, z: a.z, t: mod(-a.t) };
  const candidate = encode(add(multiply(s, BASE), multiply(k, negA)));
  return Buffer.from(candidate).equals(Buffer.from(encodedR));
};
