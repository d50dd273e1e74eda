import { createHash, verify, type KeyObject } from "node:crypto";
import type { InclusionProof } from "../../domain/transparency/log-entry.ts";

const sha256 = (...parts: ReadonlyArray<Uint8Array>): Buffer => {
  const hash = createHash("sha256");
  for (const part of parts) hash.update(part);
  return hash.digest();
};

/** RFC 6962 leaf hash: SHA-256(0x00 ‖ entry). */
export const leafHash = (entry: Uint8Array): Buffer => sha256(Uint8Array.of(0), entry);

/**
 * The tree root an RFC 9162 (§2.1.3.2) inclusion proof leads to from `leaf`, or undefined when the
 * path does not fit the index and tree size. BigInt: indices pass 2^31.
 */
export const rootFromInclusionProof = (
  leaf: Uint8Array,
  index: bigint,
  treeSize: bigint,
  path: ReadonlyArray<Uint8Array>,
): Buffer | undefined => {
  if (index < 0n || index >= treeSize) return undefined;
  let fn = index;
  let sn = treeSize - 1n;
  let root: Buffer = Buffer.from(leaf);
  for (const sibling of path) {
    if (sn === 0n) return undefined;
    if ((fn & 1n) === 1n || fn === sn) {
      root = sha256(Uint8Array.of(1), sibling, root);
      if ((fn & 1n) === 0n) {
        while ((fn & 1n) === 0n && fn !== 0n) {
          fn >>= 1n;
          sn >>= 1n;
        }
      }
    } else {
      root = sha256(Uint8Array.of(1), root, sibling);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  return sn === 0n ? root : undefined;
};

/**
 * Checks an entry's inclusion proof: the body's leaf hash leads through the path to `rootHash`,
 * and the checkpoint (a signed note) is signed by the log key and commits to that root and size.
 * Returns why it does not hold, or undefined.
 */
export const inclusionProofProblem = (
  proof: InclusionProof,
  body: Uint8Array,
  logKey: KeyObject,
  logIdHex: string,
): string | undefined => {
  const path = proof.hashes.map((h) => Buffer.from(h, "hex"));
  const root = rootFromInclusionProof(leafHash(body), BigInt(proof.logIndex), BigInt(proof.treeSize), path);
  if (root === undefined) return `the inclusion proof does not fit leaf ${proof.logIndex} of a tree of ${proof.treeSize}`;
  if (root.toString("hex") !== proof.rootHash.toLowerCase()) return "the inclusion proof does not lead to its root hash";
  return checkpointProblem(proof, root, logKey, logIdHex);
};

const checkpointProblem = (proof: InclusionProof, root: Buffer, logKey: KeyObject, logIdHex: string): string | undefined => {
  const split = proof.checkpoint.indexOf("\n\n");
  if (split < 0) return "the checkpoint is not a signed note";
  const text = proof.checkpoint.slice(0, split + 1);
  const keyHint = Buffer.from(logIdHex, "hex").subarray(0, 4);
  const signed = proof.checkpoint
    .slice(split + 2)
    .split("\n")
    .filter((line) => line.startsWith("\u2014 "))
    .some((line) => {
      const raw = Buffer.from(line.slice(line.lastIndexOf(" ") + 1), "base64");
      if (raw.length <= 4 || !raw.subarray(0, 4).equals(keyHint)) return false;
      try {
        return verify("sha256", Buffer.from(text), logKey, raw.subarray(4));
      } catch {
        return false;
      }
    });
  if (!signed) return "the checkpoint carries no valid signature by the log key";
  const [, size, rootBase64] = text.split("\n");
  if (size !== String(proof.treeSize) || rootBase64 !== root.toString("base64"))
    return "the checkpoint commits to another tree than the inclusion proof";
  return undefined;
};
