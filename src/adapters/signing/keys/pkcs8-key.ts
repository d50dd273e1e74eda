import { createPrivateKey, type KeyObject } from "node:crypto";

/** What a PKCS#8 private key holds, as far as signer selection cares. */
export type Pkcs8Key =
  | { readonly kind: "ecdsa"; readonly curve: "P-256" | "P-384" | "P-521"; readonly key: KeyObject }
  | { readonly kind: "rsa"; readonly bits: number; readonly key: KeyObject }
  | { readonly kind: "ed25519"; readonly key: KeyObject }
  | { readonly kind: "unsupported"; readonly description: string };

const curves: Readonly<Record<string, "P-256" | "P-384" | "P-521">> = {
  prime256v1: "P-256",
  secp384r1: "P-384",
  secp521r1: "P-521",
};

/**
 * Parses unencrypted PKCS#8 DER; undefined when it is not PKCS#8. OpenSSL's parse errors are
 * dropped rather than passed on, so that nothing derived from the key bytes reaches a message.
 */
export const parsePkcs8 = (der: Uint8Array): Pkcs8Key | undefined => {
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: Buffer.from(der), format: "der", type: "pkcs8" });
  } catch {
    return undefined;
  }
  const details = key.asymmetricKeyDetails ?? {};
  switch (key.asymmetricKeyType) {
    case "ec": {
      const curve = curves[details.namedCurve ?? ""];
      return curve === undefined
        ? { kind: "unsupported", description: `ECDSA key on curve ${details.namedCurve ?? "(unnamed)"}` }
        : { kind: "ecdsa", curve, key };
    }
    case "rsa":
      return { kind: "rsa", bits: details.modulusLength ?? 0, key };
    case "ed25519":
      return { kind: "ed25519", key };
    default:
      return { kind: "unsupported", description: `${key.asymmetricKeyType ?? "unknown"} key` };
  }
};
