import type { FulcioIdentity } from "../../adapters/signing/fulcio/fulcio-identity.ts";
import { UsageError } from "./usage-error.ts";

/** One field of the policy: an exact value, or a regular expression that must match somewhere in it (as cosign's `-regexp` flags). */
export type Matcher = { readonly exact: string } | { readonly pattern: RegExp };

/** Whom a keyless signature must come from: cosign's `--certificate-identity[-regexp]` and `--certificate-oidc-issuer[-regexp]`. */
export interface CertificateIdentityPolicy {
  readonly identity: Matcher;
  readonly issuer: Matcher;
}

export interface IdentityFlags {
  readonly identity?: string;
  readonly identityRegexp?: string;
  readonly issuer?: string;
  readonly issuerRegexp?: string;
}

const matcher = (exact: string | undefined, regexp: string | undefined, flag: string): Matcher | undefined => {
  if (exact !== undefined && regexp !== undefined) throw new UsageError(`give ${flag} or ${flag}-regexp, not both`);
  if (exact !== undefined) return { exact };
  if (regexp === undefined) return undefined;
  try {
    return { pattern: new RegExp(regexp) };
  } catch (error) {
    throw new UsageError(`${flag}-regexp: ${error instanceof Error ? error.message : String(error)}`);
  }
};

/** The policy the flags give, undefined when none is given; one half without the other is a usage error, as in cosign. */
export const identityPolicy = (flags: IdentityFlags): CertificateIdentityPolicy | undefined => {
  const identity = matcher(flags.identity, flags.identityRegexp, "--certificate-identity");
  const issuer = matcher(flags.issuer, flags.issuerRegexp, "--certificate-oidc-issuer");
  if (identity === undefined && issuer === undefined) return undefined;
  if (identity === undefined) throw new UsageError("keyless verification needs --certificate-identity or --certificate-identity-regexp too");
  if (issuer === undefined) throw new UsageError("keyless verification needs --certificate-oidc-issuer or --certificate-oidc-issuer-regexp too");
  return { identity, issuer };
};

const matches = (m: Matcher, value: string | undefined): boolean =>
  value !== undefined && ("exact" in m ? value === m.exact : m.pattern.test(value));

const describe = (m: Matcher): string => ("exact" in m ? m.exact : `/${m.pattern.source}/`);

/** Why the certificate's identity is not the one asked for, or undefined when it is. */
export const identityMismatch = (policy: CertificateIdentityPolicy, identity: FulcioIdentity): string | undefined => {
  if (!matches(policy.identity, identity.subject))
    return `the certificate was issued to ${identity.subject ?? "(no subject alternative name)"}, not ${describe(policy.identity)}`;
  if (!matches(policy.issuer, identity.issuer))
    return `the certificate's OIDC issuer is ${identity.issuer ?? "(none)"}, not ${describe(policy.issuer)}`;
  return undefined;
};
