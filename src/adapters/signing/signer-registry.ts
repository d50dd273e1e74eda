import { Effect } from "effect";
import type { ChainsConfig } from "../../domain/config/chains-config.ts";
import { SignerUnavailable, type Signer, type SignerName } from "../../ports/signer.ts";
import { COSIGN_KEY, COSIGN_PASSWORD } from "./keys/cosign-encrypted-key.ts";
import { cosignKeySigner } from "./keys/cosign-key.ts";
import type { KeylessContext } from "./fulcio/keyless-context.ts";
import { X509_PEM, x509PemSigner } from "./keys/x509-pem-key.ts";

/** What a signer is built from: the `signing-secrets` files by key, and chains-config. */
export interface SigningMaterial {
  readonly secrets: ReadonlyMap<string, Uint8Array>;
  readonly config: ChainsConfig;
}

/**
 * A signer's module, loaded when the config first names it: openpgp, sigstore's certificate code and
 * the KMS clients cost a controller that never uses them tens of MiB. A module that cannot load is a broken install.
 */
const loaded = <M>(load: () => Promise<M>): Effect.Effect<M> => Effect.promise(load);

/**
 * The `x509` signer with the reference's precedence (signing.md §2): Fulcio when enabled, else
 * `x509.pem` if present, else `cosign.key`. A file that is present but invalid is an error; there
 * is no fallback to the next option.
 */
const x509Signer = (material: SigningMaterial, keyless: KeylessContext | undefined): Effect.Effect<Signer, SignerUnavailable> => {
  if (material.config.signers.x509.fulcio.enabled)
    return keyless === undefined
      ? Effect.fail(
          new SignerUnavailable({
            signer: "x509",
            source: "signers.x509.fulcio.enabled",
            reason: "keyless (Fulcio) signing is not available here (no Sigstore trusted root); disable it to sign with x509.pem or cosign.key",
          }),
        )
      : loaded(() => import("./fulcio/keyless-signer.ts")).pipe(Effect.flatMap((m) => m.keylessSigner(material.config.signers.x509, keyless)));
  const x509Pem = material.secrets.get(X509_PEM);
  if (x509Pem !== undefined) return x509PemSigner(x509Pem);
  const cosignKey = material.secrets.get(COSIGN_KEY);
  if (cosignKey !== undefined) return cosignKeySigner(cosignKey, material.secrets.get(COSIGN_PASSWORD));
  return Effect.fail(
    new SignerUnavailable({
      signer: "x509",
      source: "signing-secrets",
      reason: `no valid private key found, looked for: [${X509_PEM}, ${COSIGN_KEY}]`,
    }),
  );
};

/**
 * The one registry of signers: builds the signer for a chains-config signer name. `keyless` is what
 * Fulcio signing needs (clock, trusted root, token sources); without it keyless signing is refused.
 */
export const buildSigner = (
  name: SignerName,
  material: SigningMaterial,
  keyless?: KeylessContext,
): Effect.Effect<Signer, SignerUnavailable> => {
  switch (name) {
    case "x509":
      return x509Signer(material, keyless);
    case "kms":
      return loaded(() => import("./kms/kms-signer.ts")).pipe(Effect.flatMap((m) => m.makeKmsSigner(material.config)));
    case "pgp":
      return loaded(() => import("./pgp/pgp-signer.ts")).pipe(Effect.flatMap((m) => m.makePgpSigner(material.secrets)));
  }
};
