import { type LeaseRecord, microTime, type ObservedLease } from "./lease-record.ts";

/**
 * When a candidate last saw the lease change, by its own clock. Expiry is judged from this local
 * time, never from the holder's `renewTime`, so clock skew between replicas cannot make two
 * leaders (the rule client-go follows).
 */
export interface LeaseObservation {
  readonly record: LeaseRecord;
  readonly observedAtMs: number;
}

export type LeaseAttempt =
  | { readonly _tag: "Create"; readonly record: LeaseRecord }
  | { readonly _tag: "Update"; readonly record: LeaseRecord; readonly resourceVersion: string }
  /** Someone else holds an unexpired lease; try again after a retry period. */
  | { readonly _tag: "HeldByOther"; readonly holder: string; readonly expiresAtMs: number };

/**
 * One acquire-or-renew step: what to write, given the lease as just read (`undefined` when it does
 * not exist) and when this candidate first saw that version of it.
 */
export const planLeaseAttempt = (input: {
  readonly current: ObservedLease | undefined;
  readonly observation: LeaseObservation | undefined;
  readonly identity: string;
  readonly leaseDurationSeconds: number;
  readonly nowMs: number;
}): LeaseAttempt => {
  const now = microTime(new Date(input.nowMs));
  const fresh = (leaseTransitions: number): LeaseRecord => ({
    holderIdentity: input.identity,
    leaseDurationSeconds: input.leaseDurationSeconds,
    acquireTime: now,
    renewTime: now,
    leaseTransitions,
  });
  const { current } = input;
  if (current === undefined) return { _tag: "Create", record: fresh(0) };
  const held = current.record;
  if (held.holderIdentity === input.identity) {
    return { _tag: "Update", resourceVersion: current.resourceVersion, record: { ...fresh(held.leaseTransitions), acquireTime: held.acquireTime } };
  }
  const observedAtMs = input.observation?.observedAtMs ?? input.nowMs;
  const expiresAtMs = observedAtMs + held.leaseDurationSeconds * 1000;
  if (held.holderIdentity !== "" && expiresAtMs > input.nowMs) {
    return { _tag: "HeldByOther", holder: held.holderIdentity, expiresAtMs };
  }
  return { _tag: "Update", resourceVersion: current.resourceVersion, record: fresh(held.leaseTransitions + 1) };
};

/**
 * What a leader writes on graceful shutdown: no holder and a one-second duration, so a follower
 * takes over at its next retry instead of waiting out the lease (client-go's release).
 */
export const releasedRecord = (held: LeaseRecord, nowMs: number): LeaseRecord => {
  const now = microTime(new Date(nowMs));
  return { holderIdentity: "", leaseDurationSeconds: 1, acquireTime: now, renewTime: now, leaseTransitions: held.leaseTransitions };
};
