import { createHash } from "node:crypto";
import { Effect, Schema } from "effect";
import type { ChainsConfig } from "../../../domain/config/chains-config.ts";
import { SignerUnavailable, type SignatureScheme, type Signer } from "../../../ports/signer.ts";
import { kmsBackedSigner, kmsSigningFailed } from "./kms-backed-signer.ts";
import { requestJson } from "./kms-http.ts";
import { kmsPublicKey } from "./kms-public-key.ts";
import type { KmsEnv } from "./kms-env.ts";
import { resolveVaultAddress } from "./vault-address.ts";
import { makeVaultTokenSource, vaultNamespaceHeaders } from "./vault-token.ts";

const KMSREF = "signers.kms.kmsref";

const TransitKey = Schema.Struct({
  data: Schema.Struct({
    type: Schema.String,
    latest_version: Schema.Number,
    keys: Schema.Record(Schema.String, Schema.Unknown),
  }),
});
const TransitKeyVersion = Schema.Struct({ public_key: Schema.String });
const decodeKeyVersion = Schema.decodeUnknownOption(TransitKeyVersion);

const SignResponse = Schema.Struct({ data: Schema.Struct({ signature: Schema.String }) });

/**
 * Transit key types we can sign with. The reference hands Vault a SHA-256 digest (`prehashed`), so
 * every ECDSA curve signs SHA-256 and RSA uses PKCS#1 v1.5 over SHA-256. Ed25519 transit keys
 * cannot sign a prehashed digest.
 */
const schemeOf = (type: string): SignatureScheme | undefined =>
  type.startsWith("ecdsa-p") ? "ecdsa-sha256" : type.startsWith("rsa-") ? "rsa-pkcs1v15-sha256" : undefined;

/** `vault:v<version>:<base64 signature>` → the raw (DER for ECDSA) signature. */
const decodeVaultSignature = (value: string): Uint8Array | undefined => {
  const match = /^vault:v\d+:([A-Za-z0-9+/]+={0,2})$/.exec(value);
  return match?.[1] === undefined ? undefined : new Uint8Array(Buffer.from(match[1], "base64"));
};

/**
 * A signer backed by a Vault or OpenBao transit key (`hashivault://<key>`, `openbao://<key>`),
 * authenticated as spec/signing.md §6 describes. The public key and key version are read once;
 * signing pins that version so signatures always match the advertised public key and keyid.
 */
export const makeVaultTransitSigner = (
  keyName: string,
  config: ChainsConfig,
  env: KmsEnv,
): Effect.Effect<Signer, SignerUnavailable> =>
  Effect.gen(function* () {
    const auth = config.signers.kms.auth;
    const address = yield* resolveVaultAddress(auth.address, env);
    const token = makeVaultTokenSource(auth, address, env);
    const mount = (env["TRANSIT_SECRET_ENGINE_PATH"] || "transit").replace(/^\/+|\/+$/g, "");
    const headers = (value: string) => ({ "x-vault-token": value, ...vaultNamespaceHeaders(env) });
    const keyUrl = new URL(`v1/${mount}/keys/${encodeURIComponent(keyName)}`, address).href;

    const key = yield* requestJson({ url: keyUrl, headers: headers(yield* token) }, TransitKey).pipe(
      Effect.mapError((failure) =>
        new SignerUnavailable({
          signer: "kms",
          // Vault answers 403 both for a bad token and for a policy that denies the key.
          source: failure.status === 403 ? "signers.kms.auth" : KMSREF,
          reason: `cannot read transit key ${JSON.stringify(keyName)}: ${failure.message}`,
        }),
      ),
    );
    const unusable = (reason: string) =>
      new SignerUnavailable({ signer: "kms", source: KMSREF, reason: `transit key ${JSON.stringify(keyName)} ${reason}` });
    const scheme = schemeOf(key.data.type);
    if (scheme === undefined) {
      return yield* Effect.fail(unusable(`has type ${key.data.type}; supported are ecdsa-p256/p384/p521 and rsa-*`));
    }
    const version = key.data.latest_version;
    const latest = decodeKeyVersion(key.data.keys[String(version)]);
    const publicKey = latest._tag === "Some" ? kmsPublicKey(latest.value.public_key) : undefined;
    if (publicKey === undefined) return yield* Effect.fail(unusable(`has no PEM public key for version ${version}`));

    const signUrl = new URL(`v1/${mount}/sign/${encodeURIComponent(keyName)}/sha2-256`, address).href;
    return kmsBackedSigner({
      scheme,
      publicKey,
      token,
      sign: (current, data) =>
        Effect.gen(function* () {
          const digest = createHash("sha256").update(data).digest("base64");
          const response = yield* requestJson(
            {
              url: signUrl,
              method: "POST",
              headers: headers(current),
              body: {
                input: digest,
                prehashed: true,
                hash_algorithm: "sha2-256",
                signature_algorithm: "pkcs1v15",
                key_version: version,
              },
            },
            SignResponse,
          ).pipe(Effect.mapError((failure) => kmsSigningFailed(`Vault transit sign failed: ${failure.message}`)));
          const signature = decodeVaultSignature(response.data.signature);
          if (signature === undefined) return yield* Effect.fail(kmsSigningFailed("Vault returned a malformed signature"));
          return signature;
        }),
    });
  });
