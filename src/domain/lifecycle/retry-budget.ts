import { RETRIES_ANNOTATION, SIGNED_ANNOTATION } from "../annotations/chains-annotations.ts";

/**
 * The reference's budget: a failing run is written `retries` 0, 1, 2, 3 on its first four failed
 * passes and `signed: failed` on the fifth.
 */
export const MAX_RETRIES = 3;

export interface FailureRecord {
  /** Annotations to write for this failed pass. */
  readonly annotations: Readonly<Record<string, string>>;
  /** True when the run is now terminally failed. */
  readonly exhausted: boolean;
}

/**
 * Bookkeeping for one failed pass, given how many failed passes the run already had.
 * `giveUp` forces the terminal outcome (a run being deleted gets one attempt only).
 */
export const recordFailedPass = (failedPassesBefore: number, giveUp: boolean): FailureRecord =>
  giveUp || failedPassesBefore > MAX_RETRIES
    ? { annotations: { [SIGNED_ANNOTATION]: "failed" }, exhausted: true }
    : { annotations: { [RETRIES_ANNOTATION]: String(failedPassesBefore) }, exhausted: false };
