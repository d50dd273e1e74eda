import { secretbox } from "@noble/ciphers/salsa.js";
import { randomBytes } from "@noble/hashes/utils.js";
import { scryptAsync } from "@noble/hashes/scrypt.js";
import { Effect } from "effect";
import { decodeStdBase64 } from "../../../domain/dsse/base64.ts";
import { isJsonObject as isRecord } from "../../../domain/oci/json-object.ts";
import { SignerUnavailable } from "../../../ports/signer.ts";
import { encodePemBlock, firstPemBlock } from "./pem-block.ts";
import { parseJsonText } from "../../../domain/serialization/json-text.ts";

/** `signing-secrets` keys of a cosign key pair (signing.md §2). */
export const COSIGN_KEY = "cosign.key";
export const COSIGN_PASSWORD = "cosign.password";

/** PEM types of cosign's encrypted keys: current cosign, and cosign before v1.x renamed it. */
export type CosignPemType = "ENCRYPTED SIGSTORE PRIVATE KEY" | "ENCRYPTED COSIGN PRIVATE KEY";
const pemTypes: ReadonlyArray<string> = ["ENCRYPTED SIGSTORE PRIVATE KEY", "ENCRYPTED COSIGN PRIVATE KEY"];

export interface ScryptParams {
  readonly N: number;
  readonly r: number;
  readonly p: number;
}

/** The only scrypt costs go-securesystemslib accepts: legacy, standard (new keys), OWASP. Also a DoS guard. */
export const SCRYPT_LEGACY: ScryptParams = { N: 32768, r: 8, p: 1 };
export const SCRYPT_STANDARD: ScryptParams = { N: 65536, r: 8, p: 1 };
export const SCRYPT_OWASP: ScryptParams = { N: 131072, r: 8, p: 1 };
const allowedScrypt: ReadonlyArray<ScryptParams> = [SCRYPT_LEGACY, SCRYPT_STANDARD, SCRYPT_OWASP];

const unavailable = (source: string, reason: string) => new SignerUnavailable({ signer: "x509", source, reason });

/** A Go `[]byte` JSON field: standard padded base64 (a missing field is empty). */
const bytesField = (value: unknown): Uint8Array | undefined => {
  if (value === undefined || value === null) return new Uint8Array(0);
  return typeof value === "string" ? decodeStdBase64(value) : undefined;
};

interface EncryptedKey {
  readonly scrypt: ScryptParams;
  readonly salt: Uint8Array;
  readonly nonce: Uint8Array;
  readonly ciphertext: Uint8Array;
}

/** The JSON document in the PEM body (signing.md §3), checked as go-securesystemslib's `Decrypt` does. */
const parseEncryptedKey = (body: Uint8Array): EncryptedKey | SignerUnavailable => {
  const notCosignJson = unavailable(COSIGN_KEY, "the PEM body is not cosign's encrypted-key JSON");
  let json: unknown;
  try {
    json = parseJsonText(Buffer.from(body).toString("utf8"));
  } catch {
    return notCosignJson;
  }
  if (!isRecord(json) || !isRecord(json["kdf"]) || !isRecord(json["cipher"])) return notCosignJson;
  const kdf = json["kdf"];
  const cipher = json["cipher"];
  if (kdf["name"] !== "scrypt") return unavailable(COSIGN_KEY, `unsupported key derivation ${JSON.stringify(kdf["name"])}, expected "scrypt"`);
  if (cipher["name"] !== "nacl/secretbox")
    return unavailable(COSIGN_KEY, `unsupported cipher ${JSON.stringify(cipher["name"])}, expected "nacl/secretbox"`);
  const params = isRecord(kdf["params"]) ? kdf["params"] : {};
  const scrypt = allowedScrypt.find((a) => a.N === params["N"] && a.r === params["r"] && a.p === params["p"]);
  if (scrypt === undefined) {
    const shown = ["N", "r", "p"].map((k) => `${k}=${typeof params[k] === "number" ? params[k] : "?"}`).join(", ");
    return unavailable(COSIGN_KEY, `unsupported scrypt parameters (${shown})`);
  }
  const salt = bytesField(kdf["salt"]);
  const nonce = bytesField(cipher["nonce"]);
  const ciphertext = bytesField(json["ciphertext"]);
  if (salt === undefined || nonce === undefined || ciphertext === undefined) return notCosignJson;
  if (nonce.length !== 24) return unavailable(COSIGN_KEY, `the secretbox nonce is ${nonce.length} bytes, expected 24`);
  return { scrypt, salt, nonce, ciphertext };
};

/** scrypt, yielding to the event loop while it works (up to about a second for the OWASP cost). */
const deriveKey = (password: Uint8Array, salt: Uint8Array, params: ScryptParams): Promise<Uint8Array> =>
  scryptAsync(password, salt, { ...params, dkLen: 32 });

/**
 * Decrypts a cosign private key (signing.md §3) to its PKCS#8 DER. The password is used byte for
 * byte: a trailing newline is part of it. Wrong password and tampered ciphertext are the same
 * failure (the Poly1305 tag does not match), reported against `cosign.password`.
 */
export const decryptCosignPrivateKey = (
  pem: Uint8Array,
  password: Uint8Array,
): Effect.Effect<Uint8Array, SignerUnavailable> =>
  Effect.gen(function* () {
    const block = firstPemBlock(pem);
    if (block === undefined) return yield* Effect.fail(unavailable(COSIGN_KEY, "no PEM block found"));
    if (!pemTypes.includes(block.type))
      return yield* Effect.fail(
        unavailable(COSIGN_KEY, `PEM block type is "${block.type}", expected "${pemTypes.join('" or "')}"`),
      );
    const encrypted = parseEncryptedKey(block.der);
    if (encrypted instanceof SignerUnavailable) return yield* Effect.fail(encrypted);
    const key = yield* Effect.tryPromise({
      try: () => deriveKey(password, encrypted.salt, encrypted.scrypt),
      catch: () => unavailable(COSIGN_KEY, "scrypt key derivation failed"),
    });
    const opened = (() => {
      try {
        return secretbox(key, encrypted.nonce).open(encrypted.ciphertext);
      } catch {
        return undefined;
      }
    })();
    if (opened === undefined)
      return yield* Effect.fail(
        unavailable(COSIGN_PASSWORD, `cannot decrypt ${COSIGN_KEY}: wrong password in ${COSIGN_PASSWORD}, or the key is corrupted`),
      );
    return opened;
  });

const goBase64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString("base64");

/**
 * Encrypts PKCS#8 DER the way `cosign generate-key-pair` does, with a fresh salt and nonce, and
 * returns the PEM (Go JSON field order, `ENCRYPTED SIGSTORE PRIVATE KEY` unless told otherwise).
 */
export const encryptCosignPrivateKey = (input: {
  readonly pkcs8: Uint8Array;
  readonly password: Uint8Array;
  readonly scrypt?: ScryptParams;
  readonly pemType?: CosignPemType;
}): Effect.Effect<string> =>
  Effect.gen(function* () {
    const params = input.scrypt ?? SCRYPT_STANDARD;
    const salt = randomBytes(32);
    const nonce = randomBytes(24);
    const key = yield* Effect.promise(() => deriveKey(input.password, salt, params));
    const ciphertext = secretbox(key, nonce).seal(input.pkcs8);
    const json =
      `{"kdf":{"name":"scrypt","params":{"N":${params.N},"r":${params.r},"p":${params.p}},"salt":"${goBase64(salt)}"},` +
      `"cipher":{"name":"nacl/secretbox","nonce":"${goBase64(nonce)}"},"ciphertext":"${goBase64(ciphertext)}"}`;
    return encodePemBlock({ type: input.pemType ?? "ENCRYPTED SIGSTORE PRIVATE KEY", der: new TextEncoder().encode(json) });
  });
