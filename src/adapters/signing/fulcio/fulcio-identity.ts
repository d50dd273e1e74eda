import { X509Certificate } from "@sigstore/core";

/** Fulcio's OIDC issuer extensions: v2 holds a DER UTF8String, v1 (deprecated) the raw string. */
const OID_ISSUER_V2 = "1.3.6.1.4.1.57264.1.8";
const OID_ISSUER_V1 = "1.3.6.1.4.1.57264.1.1";

/** Who a Fulcio certificate was issued to, as cosign matches `--certificate-identity` and `--certificate-oidc-issuer`. */
export interface FulcioIdentity {
  /** The subject alternative name: a URI (workload identity) or an email address. */
  readonly subject: string | undefined;
  /** The OIDC issuer that vouched for the subject. */
  readonly issuer: string | undefined;
  /** Hex serial number, to tell certificates apart in reports. */
  readonly serial: string;
}

/** Reads the identity with @sigstore/core's X.509 parser, as @sigstore/verify does; throws on a certificate it cannot parse. */
export const fulcioIdentity = (certificatePem: string): FulcioIdentity => {
  const certificate = X509Certificate.parse(certificatePem);
  const v2 = certificate.extension(OID_ISSUER_V2)?.valueObj.subs[0]?.value.toString("utf8");
  const issuer = v2 ?? certificate.extension(OID_ISSUER_V1)?.value.toString("utf8");
  return { subject: certificate.subjectAltName, issuer, serial: certificate.serialNumber.toString("hex") };
};
