import type { CertificateValidity } from "./certificate-trust.ts";

const twoMinutesMs = 2 * 60_000;

/**
 * When a keyless signer is replaced by one with a new certificate: once less than a sixth of the
 * certificate's lifetime, or two minutes, remains (whichever is longer; at most half the lifetime).
 * For Fulcio's ten-minute certificates that is after eight minutes, so one certificate serves
 * every run signed in that time (reference defect #24), and a signature made just before renewal
 * still reaches Rekor while the certificate is valid, which is what makes it verifiable later.
 */
export const renewalTime = (validity: CertificateValidity): Date => {
  const lifetimeMs = validity.notAfter.getTime() - validity.notBefore.getTime();
  const marginMs = Math.max(lifetimeMs / 6, Math.min(twoMinutesMs, lifetimeMs / 2));
  return new Date(validity.notAfter.getTime() - marginMs);
};
