import { Context, Data, type Effect } from "effect";

/** How a signature's bytes were produced, so verifiers (and `chains-ts verify`) know what to check. */
export type SignatureScheme =
  | "ecdsa-sha256"
  | "ecdsa-sha384"
  | "ecdsa-sha512"
  | "ed25519"
  | "ed25519ph"
  | "rsa-pkcs1v15-sha256"
  | "pgp";

/**
 * One ready-to-use signing key. Small on purpose, like sigstore-js's `Signer`: the domain builds
 * the bytes to sign (raw payload or DSSE PAE) and wraps the result; the signer only signs.
 */
export interface Signer {
  readonly scheme: SignatureScheme;
  /** SPKI `-----BEGIN PUBLIC KEY-----` PEM (for PGP: the armored public key). */
  readonly publicKeyPem: string;
  /** DSSE keyid: the OpenSSH SHA-256 fingerprint of the public key (`SHA256:…`), or "". */
  readonly keyId: string;
  /** PEM certificate, "" when the key has none (only keyless signing has one). */
  readonly certificatePem: string;
  /** PEM chain, "" when none. */
  readonly chainPem: string;
  /**
   * From this instant the signer must not be used any more and is built anew (keyless: shortly
   * before its certificate expires). Absent for keys that do not expire.
   */
  readonly renewAt?: Date;
  readonly sign: (data: Uint8Array) => Effect.Effect<Uint8Array, SigningFailed>;
}

/** The chains-config signer names (`artifacts.*.signer`) that produce a signer. */
export type SignerName = "x509" | "kms" | "pgp";

/** Signing itself failed (KMS unreachable, key rejected the operation). Never carries key bytes. */
export class SigningFailed extends Data.TaggedError("SigningFailed")<{
  readonly signer: SignerName;
  readonly reason: string;
}> {}

/**
 * No signer could be built for a configured name: missing or invalid key material, unsupported
 * key type, wrong password. `source` names what the user must fix (a secret key such as
 * `x509.pem`, or a config key such as `signers.kms.kmsref`). Never carries key bytes.
 */
export class SignerUnavailable extends Data.TaggedError("SignerUnavailable")<{
  readonly signer: SignerName;
  readonly source: string;
  readonly reason: string;
  /**
   * Set when the cause is the key material of this `signing-secrets` version: every pass fails the
   * same way until the secrets change, so the failure is permanent for that version only.
   */
  readonly secretsVersion?: string;
}> {}

/**
 * Hands out the signer for a chains-config signer name. Implementations cache signers and rebuild
 * them only when the signing secrets or the signer config change (reference defect #24).
 */
export class Signers extends Context.Service<
  Signers,
  { readonly get: (name: SignerName) => Effect.Effect<Signer, SignerUnavailable> }
>()("chains-ts/Signers") {}
