import { createPublicKey, type KeyObject } from "node:crypto";
import { sshKeyFingerprint } from "../keys/ssh-key-fingerprint.ts";

/** The public half of a KMS key, in the forms a Signer exposes. */
export interface KmsPublicKey {
  readonly key: KeyObject;
  /** SPKI PEM as Node (and Go) write it, whatever layout the KMS returned. */
  readonly publicKeyPem: string;
  readonly keyId: string;
}

/** Parses a PEM public key from a KMS; undefined when it is not one. */
export const kmsPublicKey = (pem: string): KmsPublicKey | undefined => {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: pem, format: "pem" });
  } catch {
    return undefined;
  }
  return {
    key,
    publicKeyPem: key.export({ type: "spki", format: "pem" }).toString(),
    keyId: sshKeyFingerprint(key) ?? "",
  };
};
