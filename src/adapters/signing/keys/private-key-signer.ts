import { createPublicKey, sign as nodeSign, type KeyObject } from "node:crypto";
import { Effect } from "effect";
import { SigningFailed, type Signer, type SignatureScheme, type SignerName } from "../../../ports/signer.ts";
import { ed25519phSign } from "./ed25519ph.ts";
import { sshKeyFingerprint } from "./ssh-key-fingerprint.ts";

/** Schemes a local private key (x509.pem, cosign.key) can sign with. */
export type LocalKeyScheme = Exclude<SignatureScheme, "pgp">;

const digestOf: Readonly<Record<LocalKeyScheme, string | null>> = {
  "ecdsa-sha256": "sha256",
  "ecdsa-sha384": "sha384",
  "ecdsa-sha512": "sha512",
  "rsa-pkcs1v15-sha256": "sha256",
  ed25519: null,
  ed25519ph: null,
};

/** How one key signs; made once per signer, so no signature exports or re-imports the key. */
const signingFunction = (key: KeyObject, scheme: LocalKeyScheme): ((data: Uint8Array) => Uint8Array) => {
  if (scheme === "ed25519ph") {
    const seed = Buffer.from(key.export({ format: "jwk" }).d ?? "", "base64url");
    return (data) => ed25519phSign(seed, data);
  }
  // ECDSA signatures are ASN.1 DER (Node's default `dsaEncoding`), as Go's `ecdsa.SignASN1`.
  const digest = digestOf[scheme];
  return (data) => new Uint8Array(nodeSign(digest, data, key));
};

/**
 * A `Signer` over a private key already checked against `scheme` by the caller. The public key is
 * SPKI PEM with 64-character lines (identical to Go's `cryptoutils.MarshalPublicKeyToPEM`), the
 * keyid its OpenSSH fingerprint. Local keys have no certificate or chain.
 */
export const privateKeySigner = (input: {
  readonly key: KeyObject;
  readonly scheme: LocalKeyScheme;
  readonly signer: SignerName;
}): Signer => {
  const publicKey = createPublicKey(input.key);
  const signWith = signingFunction(input.key, input.scheme);
  return {
    scheme: input.scheme,
    publicKeyPem: publicKey.export({ type: "spki", format: "pem" }).toString(),
    keyId: sshKeyFingerprint(publicKey) ?? "",
    certificatePem: "",
    chainPem: "",
    sign: (data) =>
      Effect.try({
        try: () => signWith(data),
        catch: (cause) =>
          new SigningFailed({
            signer: input.signer,
            reason: `${input.scheme} signing failed: ${cause instanceof Error ? cause.message : String(cause)}`,
          }),
      }),
  };
};
