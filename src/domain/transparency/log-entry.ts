/** RFC 6962 inclusion proof of an entry, as Rekor returns it (hashes and root in hex). */
export interface InclusionProof {
  /** The leaf index within the proof's tree (a shard), which may differ from the entry's global logIndex. */
  readonly logIndex: number;
  readonly treeSize: number;
  readonly rootHash: string;
  readonly hashes: ReadonlyArray<string>;
  /** The signed note committing to `treeSize` and `rootHash`. */
  readonly checkpoint: string;
}

/** The Rekor entry kinds chains-ts writes (transparency.md §3). */
export type RekorEntryKind = "hashedrekord" | "dsse";

/**
 * A Rekor entry whose signed entry timestamp (and inclusion proof, when present) verified against a
 * trusted log key: what bundles and annotations are made from.
 */
export interface VerifiedLogEntry {
  readonly uuid: string;
  readonly logIndex: number;
  /** Hex SHA-256 of the log key's SPKI DER. */
  readonly logId: string;
  /** Unix seconds. */
  readonly integratedTime: number;
  /** Std base64 of the canonical entry body, exactly as the log returned it. */
  readonly body: string;
  readonly kind: RekorEntryKind;
  /** Std base64 of the SET (ECDSA over the canonical JSON of body, integratedTime, logID, logIndex). */
  readonly signedEntryTimestamp: string;
  readonly inclusionProof?: InclusionProof;
  /** `<transparency.url>/api/v1/log/entries?logIndex=<N>`, the value of `chains.tekton.dev/transparency`. */
  readonly url: string;
}

/** transparency.md §4: `transparency.url` verbatim (a trailing `/` gives `//api/…`), then the entry's index. */
export const transparencyEntryUrl = (transparencyUrl: string, logIndex: number): string =>
  `${transparencyUrl}/api/v1/log/entries?logIndex=${logIndex}`;
