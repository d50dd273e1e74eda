import { createHash, createPublicKey, type KeyObject } from "node:crypto";

/** SSH curve identifiers (RFC 5656 §10.1) by JWK curve name. */
const sshCurves: Readonly<Record<string, string>> = { "P-256": "nistp256", "P-384": "nistp384", "P-521": "nistp521" };

/** SSH `string`: a 4-byte big-endian length, then the bytes. */
const sshString = (bytes: Uint8Array): Buffer => {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
};

/** SSH `mpint` of a non-negative big-endian integer: no leading zeros, but a 0x00 before a set top bit. */
const sshMpint = (magnitude: Buffer): Buffer => {
  let start = 0;
  while (start < magnitude.length && magnitude[start] === 0) start++;
  const digits = magnitude.subarray(start);
  return sshString((digits[0] ?? 0) >= 0x80 ? Buffer.concat([Buffer.of(0), digits]) : digits);
};

const fromBase64Url = (value: string | undefined): Buffer => Buffer.from(value ?? "", "base64url");

/** The SSH wire form of a public key (RFC 4253 §6.6, RFC 5656 §3.1, RFC 8709 §4), if SSH has one. */
const sshWireForm = (key: KeyObject): Buffer | undefined => {
  const jwk = key.export({ format: "jwk" });
  if (jwk.kty === "EC") {
    const curve = sshCurves[jwk.crv ?? ""];
    if (curve === undefined) return undefined;
    const point = Buffer.concat([Buffer.of(4), fromBase64Url(jwk.x), fromBase64Url(jwk.y)]);
    return Buffer.concat([sshString(Buffer.from(`ecdsa-sha2-${curve}`)), sshString(Buffer.from(curve)), sshString(point)]);
  }
  if (jwk.kty === "OKP" && jwk.crv === "Ed25519")
    return Buffer.concat([sshString(Buffer.from("ssh-ed25519")), sshString(fromBase64Url(jwk.x))]);
  if (jwk.kty === "RSA")
    return Buffer.concat([sshString(Buffer.from("ssh-rsa")), sshMpint(fromBase64Url(jwk.e)), sshMpint(fromBase64Url(jwk.n))]);
  return undefined;
};

/**
 * The DSSE keyid of signing.md §4: the OpenSSH SHA-256 fingerprint (what `ssh-keygen -l -E sha256`
 * prints), `SHA256:` + unpadded base64 of sha256(wire form). Undefined for keys SSH cannot
 * express; the keyid must then be "". Accepts a public or a private key.
 */
export const sshKeyFingerprint = (key: KeyObject): string | undefined => {
  const wire = sshWireForm(key.type === "private" ? createPublicKey(key) : key);
  return wire === undefined ? undefined : `SHA256:${createHash("sha256").update(wire).digest("base64").replace(/=+$/, "")}`;
};

