import { Effect } from "effect";
import { SigningFailed, type SignatureScheme, type Signer, type SignerUnavailable } from "../../../ports/signer.ts";
import type { KmsPublicKey } from "./kms-public-key.ts";

export const kmsSigningFailed = (reason: string): SigningFailed => new SigningFailed({ signer: "kms", reason });

/**
 * A Signer whose signatures a KMS makes. Every signature first takes a current token from `token`
 * (tokens expire while the signer lives); a token that cannot be had fails that signature only.
 */
export const kmsBackedSigner = (input: {
  readonly scheme: SignatureScheme;
  readonly publicKey: KmsPublicKey;
  readonly token: Effect.Effect<string, SignerUnavailable>;
  readonly sign: (token: string, data: Uint8Array) => Effect.Effect<Uint8Array, SigningFailed>;
}): Signer => ({
  scheme: input.scheme,
  publicKeyPem: input.publicKey.publicKeyPem,
  keyId: input.publicKey.keyId,
  certificatePem: "",
  chainPem: "",
  sign: (data) =>
    input.token.pipe(
      Effect.mapError((failure) => kmsSigningFailed(`${failure.source}: ${failure.reason}`)),
      Effect.flatMap((token) => input.sign(token, data)),
    ),
});
