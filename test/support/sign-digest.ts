/** Signing a precomputed digest, as the KMS emulators (Vault transit, Cloud KMS) must. */
import { constants, privateEncrypt, randomBytes, type KeyObject } from "node:crypto";

interface Curve {
  readonly p: bigint;
  readonly n: bigint;
  readonly gx: bigint;
  readonly gy: bigint;
  readonly bytes: number;
}
/** NIST curves (FIPS 186-4 D.1.2); a = p - 3 for both. */
const curves: Readonly<Record<string, Curve>> = {
  "P-256": {
    p: 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn,
    n: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
    gx: 0x6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296n,
    gy: 0x4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5n,
    bytes: 32,
  },
  "P-384": {
    p: 0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000ffffffffn,
    n: 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n,
    gx: 0xaa87ca22be8b05378eb1c71ef320ad746e1d3b628ba79b9859f741e082542a385502f25dbf55296c3a545e3872760ab7n,
    gy: 0x3617de4a96262c6f5d9e98bf9292dc29f8f41dbd289a147ce9da3113b5f0b8c00a60b1ce1d7e819d7a431d7c90ea0e5fn,
    bytes: 48,
  },
};
type Point = { readonly x: bigint; readonly y: bigint } | undefined;

const mod = (value: bigint, m: bigint) => ((value % m) + m) % m;
const invert = (value: bigint, m: bigint): bigint => {
  let [a, b, x, y] = [mod(value, m), m, 1n, 0n];
  while (b !== 0n) {
    const q = a / b;
    [a, b, x, y] = [b, a - q * b, y, x - q * y];
  }
  return mod(x, m);
};
const add = (curve: Curve, P: Point, Q: Point): Point => {
  if (P === undefined) return Q;
  if (Q === undefined) return P;
  const { p } = curve;
  if (P.x === Q.x && mod(P.y + Q.y, p) === 0n) return undefined;
  const slope =
    P.x === Q.x ? mod((3n * P.x * P.x + (p - 3n)) * invert(2n * P.y, p), p) : mod((Q.y - P.y) * invert(Q.x - P.x, p), p);
  const x = mod(slope * slope - P.x - Q.x, p);
  return { x, y: mod(slope * (P.x - x) - P.y, p) };
};
const multiply = (curve: Curve, k: bigint, P: Point): Point => {
  let result: Point = undefined;
  for (let addend = P; k > 0n; k >>= 1n, addend = add(curve, addend, addend)) {
    if (k & 1n) result = add(curve, result, addend);
  }
  return result;
};
const toBigInt = (bytes: Uint8Array) => BigInt(`0x${Buffer.from(bytes).toString("hex") || "0"}`);
const derInteger = (value: bigint) => {
  let hex = value.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  if (Number.parseInt(hex.slice(0, 2), 16) >= 0x80) hex = `00${hex}`;
  const bytes = Buffer.from(hex, "hex");
  return Buffer.concat([Buffer.of(0x02, bytes.length), bytes]);
};

const digestInfoPrefix: Readonly<Record<string, Buffer>> = {
  sha256: Buffer.from("3031300d060960864801650304020105000420", "hex"),
  sha384: Buffer.from("3041300d060960864801650304020205000430", "hex"),
};

/**
 * Signs an already computed digest, which node:crypto cannot do for ECDSA, as KMS services do:
 * ECDSA P-256/P-384 (ASN.1 DER, per FIPS 186-4 with a random nonce) or RSA PKCS#1 v1.5 (DigestInfo).
 */
export const signDigest = (privateKey: KeyObject, digest: Uint8Array, hash: "sha256" | "sha384" = "sha256"): Buffer => {
  if (privateKey.asymmetricKeyType === "rsa") {
    const prefix = digestInfoPrefix[hash];
    if (prefix === undefined) throw new Error(`no DigestInfo for ${hash}`);
    return privateEncrypt({ key: privateKey, padding: constants.RSA_PKCS1_PADDING }, Buffer.concat([prefix, digest]));
  }
  const jwk = privateKey.export({ format: "jwk" });
  const curve = curves[jwk.crv ?? ""];
  if (curve === undefined || jwk.d === undefined) throw new Error("signDigest supports ECDSA P-256/P-384 and RSA only");
  const d = toBigInt(Buffer.from(jwk.d, "base64url"));
  const { n, gx, gy } = curve;
  // FIPS 186-4: the leftmost bits of the digest, as many as the order has.
  const z = toBigInt(digest.subarray(0, curve.bytes));
  for (;;) {
    const k = mod(toBigInt(randomBytes(curve.bytes + 8)), n - 1n) + 1n;
    const point = multiply(curve, k, { x: gx, y: gy });
    if (point === undefined) continue;
    const r = mod(point.x, n);
    const s = mod(invert(k, n) * (z + r * d), n);
    if (r === 0n || s === 0n) continue;
    const body = Buffer.concat([derInteger(r), derInteger(s)]);
    return Buffer.concat([Buffer.of(0x30, body.length), body]);
  }
};
