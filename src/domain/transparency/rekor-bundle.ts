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
