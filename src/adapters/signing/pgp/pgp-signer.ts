import { Effect } from "effect";
import * as openpgp from "openpgp";
import { SignerUnavailable, SigningFailed, type Signer } from "../../../ports/signer.ts";

/** `signing-secrets` keys of the historical PGP signer (spec/signing.md §8). */
export const PGP_PRIVATE_KEY = "pgp.private-key";
export const PGP_PASSPHRASE = "pgp.passphrase";

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });
const encoder = new TextEncoder();

const unavailable = (source: string, reason: string) => new SignerUnavailable({ signer: "pgp", source, reason });

/** openpgp.js reports failures as plain Errors whose messages never contain key material. */
const messageOf = (cause: unknown): string => (cause instanceof Error ? cause.message : String(cause));

const decodeUtf8 = (bytes: Uint8Array): string | undefined => {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return undefined;
  }
};

/**
 * The PGP signer of Chains ≤ v0.2.0: the first entity of the armored secret keyring in
 * `pgp.private-key`, unlocked with the raw bytes of `pgp.passphrase` when present. `sign` returns
 * an ASCII-armored detached signature (the armored text as UTF-8 bytes) that
 * `gpg --verify signature payload` accepts. Like the reference (`ArmoredDetachSignText`) the
 * signature is in canonical-text mode; a payload that is not UTF-8 gets a binary-mode signature.
 */
export const makePgpSigner = (
  secrets: ReadonlyMap<string, Uint8Array>,
): Effect.Effect<Signer, SignerUnavailable> =>
  Effect.gen(function* () {
    const armoredBytes = secrets.get(PGP_PRIVATE_KEY);
    if (armoredBytes === undefined || armoredBytes.length === 0) {
      return yield* Effect.fail(unavailable(PGP_PRIVATE_KEY, `secret key ${PGP_PRIVATE_KEY} is missing or empty`));
    }
    const armoredKeys = decodeUtf8(armoredBytes);
    if (armoredKeys === undefined) {
      return yield* Effect.fail(unavailable(PGP_PRIVATE_KEY, "not an ASCII-armored OpenPGP secret key"));
    }
    const keys = yield* Effect.tryPromise({
      try: () => openpgp.readPrivateKeys({ armoredKeys }),
      catch: (cause) =>
        unavailable(PGP_PRIVATE_KEY, `not an ASCII-armored OpenPGP secret key: ${messageOf(cause)}`),
    });
    const first = keys[0];
    if (first === undefined) {
      return yield* Effect.fail(unavailable(PGP_PRIVATE_KEY, "the keyring holds no secret key"));
    }
    const signingKey = yield* unlock(first, secrets.get(PGP_PASSPHRASE));
    // Fail at build time, not on the first payload, when no (sub)key may sign (expired, revoked,
    // encryption-only, or rejected by OpenPGP.js's algorithm policy).
    yield* Effect.tryPromise({
      try: () => signingKey.getSigningKey(),
      catch: (cause) => unavailable(PGP_PRIVATE_KEY, `the key cannot sign: ${messageOf(cause)}`),
    });
    const publicKeyPem = first.toPublic().armor();
    return {
      scheme: "pgp",
      publicKeyPem,
      keyId: "",
      certificatePem: "",
      chainPem: "",
      sign: (data: Uint8Array) =>
        Effect.tryPromise({
          try: async () => {
            const text = decodeUtf8(data);
            const message =
              text === undefined
                ? await openpgp.createMessage({ binary: data })
                : await openpgp.createMessage({ text });
            const armored = await openpgp.sign({ message, signingKeys: signingKey, detached: true });
            return encoder.encode(armored);
          },
          catch: (cause) => new SigningFailed({ signer: "pgp", reason: `OpenPGP signing failed: ${messageOf(cause)}` }),
        }),
    } satisfies Signer;
  });

const unlock = (
  key: openpgp.PrivateKey,
  passphraseBytes: Uint8Array | undefined,
): Effect.Effect<openpgp.PrivateKey, SignerUnavailable> => {
  if (key.isDecrypted()) return Effect.succeed(key);
  if (passphraseBytes === undefined) {
    return Effect.fail(
      unavailable(PGP_PASSPHRASE, `the key in ${PGP_PRIVATE_KEY} is passphrase-protected but ${PGP_PASSPHRASE} is missing`),
    );
  }
  // openpgp.js takes the passphrase as a string and hashes its UTF-8 encoding, so a UTF-8 string
  // reproduces the raw bytes exactly; other bytes cannot be represented.
  const passphrase = decodeUtf8(passphraseBytes);
  if (passphrase === undefined) {
    return Effect.fail(unavailable(PGP_PASSPHRASE, `${PGP_PASSPHRASE} is not valid UTF-8, which OpenPGP.js requires`));
  }
  return Effect.tryPromise({
    try: () => openpgp.decryptKey({ privateKey: key, passphrase }),
    catch: () => unavailable(PGP_PASSPHRASE, `${PGP_PASSPHRASE} does not unlock the key in ${PGP_PRIVATE_KEY}`),
  });
};
