import { Context, Data, type Effect } from "effect";

/** A public key the trusted root vouches for, with the time range in which it signs. */
export interface TrustedKey {
  /** Hex SHA-256 of the key's SPKI DER (Rekor's `logID`, a CT log's id). */
  readonly logId: string;
  /** The log's base URL as the trusted root records it ("" when it records none). */
  readonly baseUrl: string;
  /** SPKI `-----BEGIN PUBLIC KEY-----` PEM. */
  readonly publicKeyPem: string;
  readonly validFrom?: Date;
  readonly validUntil?: Date;
}

/** A Fulcio CA: its certificates, issuing certificate first and self-signed root last. */
export interface TrustedCertificateAuthority {
  readonly uri: string;
  readonly certificatesPem: ReadonlyArray<string>;
  readonly validFrom?: Date;
  readonly validUntil?: Date;
}

/**
 * A sigstore trusted root (`trusted_root.json`): what chains-ts believes about Rekor and Fulcio
 * without asking them. Trust never comes from a log's or CA's own answers.
 */
export interface SigstoreTrustedRoot {
  readonly transparencyLogs: ReadonlyArray<TrustedKey>;
  readonly certificateAuthorities: ReadonlyArray<TrustedCertificateAuthority>;
  readonly ctLogs: ReadonlyArray<TrustedKey>;
  /** The `trusted_root.json` document itself, for `@sigstore/verify`. */
  readonly document: unknown;
}

/** No trusted root could be had: `source` names the file, flag, env var or TUF mirror to fix. */
export class TrustedRootUnavailable extends Data.TaggedError("TrustedRootUnavailable")<{
  readonly source: string;
  readonly reason: string;
}> {}

/** Where the Rekor and Fulcio keys come from: a `trusted_root.json` file, or the public-good TUF repository. */
export class SigstoreTrust extends Context.Service<
  SigstoreTrust,
  { readonly trustedRoot: Effect.Effect<SigstoreTrustedRoot, TrustedRootUnavailable> }
>()("chains-ts/SigstoreTrust") {}
