import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "@noble/hashes/utils.js";

/** An OCI content digest, always `sha256:<64 lowercase hex>` in chains-ts. */
export type OciDigest = `sha256:${string}`;

const digestPattern = /^sha256:[a-f0-9]{64}$/;

export const isOciDigest = (value: string): value is OciDigest => digestPattern.test(value);

export const sha256Digest = (bytes: Uint8Array): OciDigest => `sha256:${bytesToHex(sha256(bytes))}`;

/** The 64 hex characters after `sha256:`. */
export const digestHex = (digest: OciDigest): string => digest.slice("sha256:".length);
