import { execFile } from "node:child_process";
import { createPublicKey, generateKeyPairSync, type KeyObject, randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { expect, it } from "vitest";
import { kmsPublicKey } from "../../src/adapters/signing/kms/kms-public-key.ts";
import { describeWithTools, sshKeygenFingerprint } from "../support/independent-verifiers.ts";

const run = promisify(execFile);

/**
 * An RSA public key with a random odd modulus of exactly `bits` bits: the keyid encodes only the
 * public numbers, which neither it nor ssh-keygen checks for primes, and generating a real 3071-bit
 * key with e = 3 takes seconds per key.
 */
const rsaPublicKey = (bits: number, exponent: number): KeyObject => {
  const modulus = randomBytes(Math.ceil(bits / 8));
  const topBit = (bits - 1) % 8;
  modulus[0] = (modulus[0]! & ((1 << topBit) - 1)) | (1 << topBit);
  modulus[modulus.length - 1]! |= 1;
  const e = Buffer.from(exponent.toString(16).padStart(2 * Math.ceil(exponent.toString(16).length / 2), "0"), "hex");
  const key = createPublicKey({ key: { kty: "RSA", n: modulus.toString("base64url"), e: e.toString("base64url") }, format: "jwk" });
  expect(key.asymmetricKeyDetails).toEqual({ modulusLength: bits, publicExponent: BigInt(exponent) });
  return key;
};

describeWithTools("openssl", "ssh-keygen")("KMS public keys: PEM normalisation and DSSE keyid (signing.md §4)", () => {
  const keys = {
    "ECDSA P-256": () => generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey,
    "ECDSA P-384": () => generateKeyPairSync("ec", { namedCurve: "P-384" }).publicKey,
    "ECDSA P-521": () => generateKeyPairSync("ec", { namedCurve: "P-521" }).publicKey,
    "RSA 2048": () => rsaPublicKey(2048, 65537),
    // e = 3 and an odd modulus size exercise the mpint encoding of both integers.
    "RSA 3071, e=3": () => rsaPublicKey(3071, 3),
  };
  for (const [name, generate] of Object.entries(keys)) {
    it(`matches ssh-keygen -l -E sha256 for ${name}`, async () => {
      for (let round = 0; round < 3; round += 1) {
        const pem = generate().export({ type: "spki", format: "pem" }).toString();
        expect(kmsPublicKey(pem)?.keyId).toBe(sshKeygenFingerprint(pem));
      }
    });
  }

  // ssh-keygen cannot import PKCS#8 Ed25519 keys, so take a key ssh-keygen made and read its raw bytes.
  it("matches ssh-keygen -l -E sha256 for Ed25519", async () => {
    const dir = await mkdtemp(join(tmpdir(), "chains-ed25519-"));
    try {
      await run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", join(dir, "key")]);
      const line = await readFile(join(dir, "key.pub"), "utf8");
      const raw = Buffer.from(line.split(" ")[1] ?? "", "base64").subarray(-32);
      const key = createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: raw.toString("base64url") }, format: "jwk" });
      const { stdout } = await run("ssh-keygen", ["-l", "-E", "sha256", "-f", join(dir, "key.pub")]);
      const pem = key.export({ type: "spki", format: "pem" }).toString();
      expect(kmsPublicKey(pem)?.keyId).toBe(stdout.split(" ")[1]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("gives keyid \"\" for curves SSH does not define", () => {
    const pem = generateKeyPairSync("ec", { namedCurve: "secp256k1" }).publicKey.export({ type: "spki", format: "pem" }).toString();
    expect(kmsPublicKey(pem)?.keyId).toBe("");
  });

  it("re-encodes a KMS PEM the way Node and Go write SPKI, and rejects non-keys", () => {
    const pem = generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey.export({ type: "spki", format: "pem" }).toString();
    const body = pem.split("\n").slice(1, -2).join("");
    // Vault and some KMSes wrap differently or add CRLF; the signer must expose canonical PEM.
    const unwrapped = `-----BEGIN PUBLIC KEY-----\r\n${body}\r\n-----END PUBLIC KEY-----\r\n`;
    expect(kmsPublicKey(unwrapped)?.publicKeyPem).toBe(pem);
    expect(kmsPublicKey("not a key")).toBeUndefined();
  });
});
