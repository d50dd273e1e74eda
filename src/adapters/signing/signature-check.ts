import { verify as nodeVerify, type KeyObject } from "node:crypto";
import type { SignatureScheme } from "../../ports/signer.ts";
import { ed25519phVerify } from "./keys/ed25519ph.ts";

const attempts = (key: KeyObject): ReadonlyArray<readonly [SignatureScheme, (data: Uint8Array, sig: Uint8Array) => boolean]> => {
  switch (key.asymmetricKeyType) {
    case "ec":
      // x509.pem signs SHA-256 on every curve, cosign.key uses the curve's own hash: accept either.
      return (["sha256", "sha384", "sha512"] as const).map((hash) => [`ecdsa-${hash}`, (d, s) => nodeVerify(hash, d, key, s)] as const);
    case "rsa":
      return [["rsa-pkcs1v15-sha256", (d, s) => nodeVerify("sha256", d, key, s)]];
    case "ed25519": {
      const raw = Buffer.from(key.export({ format: "jwk" }).x ?? "", "base64url");
      return [
        ["ed25519", (d, s) => nodeVerify(null, d, key, s)],
        ["ed25519ph", (d, s) => ed25519phVerify(raw, d, s)],
      ];
    }
    default:
      return [];
  }
};

/**
 * Which of the schemes Chains signs with (signing.md §2) makes `signature` valid over `data` for
 * this public key, or undefined if none does.
 */
export const verifySignature = (publicKey: KeyObject, data: Uint8Array, signature: Uint8Array): SignatureScheme | undefined => {
  for (const [scheme, check] of attempts(publicKey)) {
    try {
      if (check(data, signature)) return scheme;
    } catch {
      // A malformed signature for this scheme: try the next one.
    }
  }
  return undefined;
};
