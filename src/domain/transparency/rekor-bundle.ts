import { goJson } from "../serialization/go-json.ts";
import type { GoValue } from "../serialization/go-value.ts";
import type { VerifiedLogEntry } from "./log-entry.ts";

/**
 * cosign's "Rekor bundle", the value of the `dev.sigstore.cosign/bundle` layer annotation
 * (transparency.md §5): capitalised outer keys, inner order body, integratedTime, logIndex, logID.
 * With it `cosign verify` checks the entry offline, against the log key alone.
 */
export const cosignRekorBundle = (entry: VerifiedLogEntry): string =>
  goJson(
    new Map<string, GoValue>([
      ["SignedEntryTimestamp", entry.signedEntryTimestamp],
      [
        "Payload",
        new Map<string, GoValue>([
          ["body", entry.body],
          ["integratedTime", entry.integratedTime],
          ["logIndex", entry.logIndex],
          ["logID", entry.logId],
        ]),
      ],
    ]),
  );

const hexToBase64 = (hex: string): string => Buffer.from(hex, "hex").toString("base64");

/**
 * The entry as `verificationMaterial.tlogEntries[0]` of a sigstore bundle v0.3 (protojson, fields
 * in proto order, int64 as strings, bytes as std base64): the SET becomes the inclusion promise.
 */
export const sigstoreBundleTlogEntry = (entry: VerifiedLogEntry): string => {
  const proof = entry.inclusionProof;
  return JSON.stringify({
    logIndex: String(entry.logIndex),
    logId: { keyId: hexToBase64(entry.logId) },
    kindVersion: { kind: entry.kind, version: "0.0.1" },
    integratedTime: String(entry.integratedTime),
    inclusionPromise: { signedEntryTimestamp: entry.signedEntryTimestamp },
    ...(proof === undefined
      ? {}
      : {
          inclusionProof: {
            logIndex: String(proof.logIndex),
            rootHash: hexToBase64(proof.rootHash),
            treeSize: String(proof.treeSize),
            hashes: proof.hashes.map(hexToBase64),
            checkpoint: { envelope: proof.checkpoint },
          },
        }),
    canonicalizedBody: entry.body,
  });
};
