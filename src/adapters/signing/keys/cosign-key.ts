import { Effect } from "effect";
import { SignerUnavailable, type Signer } from "../../../ports/signer.ts";
import { COSIGN_KEY, COSIGN_PASSWORD, decryptCosignPrivateKey } from "./cosign-encrypted-key.ts";
import { parsePkcs8 } from "./pkcs8-key.ts";
import { privateKeySigner, type LocalKeyScheme } from "./private-key-signer.ts";

const unavailable = (source: string, reason: string) => new SignerUnavailable({ signer: "x509", source, reason });

const ecdsaScheme: Readonly<Record<"P-256" | "P-384" | "P-521", LocalKeyScheme>> = {
  "P-256": "ecdsa-sha256",
  "P-384": "ecdsa-sha384",
  "P-521": "ecdsa-sha512",
};

const rsaSizes: ReadonlyArray<number> = [2048, 3072, 4096];

const supported = "ECDSA P-256/P-384/P-521, RSA 2048/3072/4096 or Ed25519";

/**
 * The signer of a `cosign.key` + `cosign.password` pair, signing as cosign's `LoadPrivateKey`
 * does: ECDSA with the curve's hash, RSA PKCS#1 v1.5 SHA-256, Ed25519 as Ed25519ph.
 */
export const cosignKeySigner = (
  key: Uint8Array,
  password: Uint8Array | undefined,
): Effect.Effect<Signer, SignerUnavailable> =>
  Effect.gen(function* () {
    if (password === undefined)
      return yield* Effect.fail(unavailable(COSIGN_PASSWORD, `${COSIGN_KEY} needs ${COSIGN_PASSWORD}, which is missing`));
    const pkcs8 = yield* decryptCosignPrivateKey(key, password);
    const parsed = parsePkcs8(pkcs8);
    if (parsed === undefined) return yield* Effect.fail(unavailable(COSIGN_KEY, "the decrypted key is not PKCS#8"));
    switch (parsed.kind) {
      case "ecdsa":
        return privateKeySigner({ key: parsed.key, scheme: ecdsaScheme[parsed.curve], signer: "x509" });
      case "rsa":
        if (!rsaSizes.includes(parsed.bits))
          return yield* Effect.fail(unavailable(COSIGN_KEY, `unsupported RSA key size ${parsed.bits}, expected one of ${supported}`));
        return privateKeySigner({ key: parsed.key, scheme: "rsa-pkcs1v15-sha256", signer: "x509" });
      case "ed25519":
        return privateKeySigner({ key: parsed.key, scheme: "ed25519ph", signer: "x509" });
      case "unsupported":
        return yield* Effect.fail(unavailable(COSIGN_KEY, `unsupported private key type ${parsed.description}, expected ${supported}`));
    }
  });
