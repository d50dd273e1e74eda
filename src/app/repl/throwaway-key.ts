import { generateKeyPairSync } from "node:crypto";

export interface ThrowawayKey {
  /** PKCS#8 PEM, the `x509.pem` of `signing-secrets`. */
  readonly privateKeyPem: string;
  readonly publicKeyPem: string;
}

/** An ECDSA P-256 key made for one REPL session, never written anywhere. */
export const generateThrowawayKey = (): ThrowawayKey => {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  return {
    privateKeyPem: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    publicKeyPem: publicKey.export({ type: "spki", format: "pem" }).toString(),
  };
};
