import { createHash, createPublicKey } from "node:crypto";

/**
 * The public-key hint of a key-signed bundle (signing.md §4 table): standard base64 of the SHA-256
 * of the SPKI DER, as cosign writes it. Verifiers look the key up by it. Its own file so that
 * storing bundles does not load sigstore-js.
 */
export const publicKeyHint = (publicKeyPem: string): string =>
  createHash("sha256")
    .update(createPublicKey(publicKeyPem).export({ type: "spki", format: "der" }))
    .digest("base64");
