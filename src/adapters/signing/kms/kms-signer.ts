import { Effect } from "effect";
import type { ChainsConfig } from "../../../domain/config/chains-config.ts";
import { SignerUnavailable, type Signer } from "../../../ports/signer.ts";
import { makeGcpKmsSigner } from "./gcp-kms-signer.ts";
import { parseKmsRef } from "./kms-ref.ts";
import type { KmsEnv } from "./kms-env.ts";
import { makeVaultTransitSigner } from "./vault-transit-signer.ts";

/**
 * The `kms` signer (spec/signing.md §6): dispatches `signers.kms.kmsref` to Vault/OpenBao transit
 * or Cloud KMS. `env` supplies the provider environment (VAULT_ADDR, GOOGLE_APPLICATION_CREDENTIALS,
 * …) and defaults to the process environment.
 */
export const makeKmsSigner = (
  config: ChainsConfig,
  env: KmsEnv = process.env,
): Effect.Effect<Signer, SignerUnavailable> => {
  const parsed = parseKmsRef(config.signers.kms.kmsRef);
  if (!parsed.ok) {
    return Effect.fail(new SignerUnavailable({ signer: "kms", source: "signers.kms.kmsref", reason: parsed.reason }));
  }
  const { ref } = parsed;
  switch (ref.provider) {
    case "vault":
      return makeVaultTransitSigner(ref.keyName, config, env);
    case "gcp":
      return makeGcpKmsSigner(ref.cryptoKey, ref.version, env);
    case "unsupported":
      return Effect.fail(
        new SignerUnavailable({
          signer: "kms",
          source: "signers.kms.kmsref",
          reason: `kms scheme ${ref.scheme} is not supported yet; supported are hashivault://, openbao://, gcpkms://`,
        }),
      );
  }
};
