import type { RunKind } from "../../domain/run/run-object.ts";

/** The reference's counter names; `<k>` is the controller that handles the run. */
export const passMetric = {
  signCreated: (kind: RunKind) => `watcher_${kind.toLowerCase()}_sign_created_total`,
  payloadUploaded: (kind: RunKind) => `watcher_${kind.toLowerCase()}_payload_uploaded_total`,
  payloadStored: (kind: RunKind) => `watcher_${kind.toLowerCase()}_payload_stored_total`,
  markedSigned: (kind: RunKind) => `watcher_${kind.toLowerCase()}_marked_signed_total`,
  signingFailures: (kind: RunKind) => `watcher_${kind.toLowerCase()}_signing_failures_total`,
  /** chains-ts only: hints and images left out of a payload (reference defect #1). */
  droppedHints: "chains_ts_dropped_hints_total",
  /** chains-ts only: objects stored, by `backend`. */
  backendStored: "chains_ts_storage_stored_total",
  /** chains-ts only: failed stores, by `backend`. */
  backendErrors: "chains_ts_storage_errors_total",
  /** chains-ts only: watch objects that are not decodable runs. */
  undecodableRuns: "chains_ts_undecodable_runs_total",
} as const;
