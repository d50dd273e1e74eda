/**
 * What a `coordination.k8s.io/v1` Lease says about its holder, as client-go's LeaseLock (which
 * Tekton Chains' leader election uses) reads and writes it, so both can contend for one Lease.
 */
export interface LeaseRecord {
  /** Empty when nobody holds the lease (it was released). */
  readonly holderIdentity: string;
  readonly leaseDurationSeconds: number;
  /** MicroTime text (`2006-01-02T15:04:05.000000Z`). */
  readonly acquireTime: string;
  readonly renewTime: string;
  readonly leaseTransitions: number;
}

/** A lease as read back, with the version a conditional update must name. */
export interface ObservedLease {
  readonly record: LeaseRecord;
  readonly resourceVersion: string;
}

/** Kubernetes MicroTime: RFC 3339 in UTC with exactly six fractional digits. */
export const microTime = (at: Date): string => at.toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");

/** The same holder, duration, times and transitions: a renewal by the holder changes `renewTime`. */
export const sameRecord = (a: LeaseRecord, b: LeaseRecord): boolean =>
  a.holderIdentity === b.holderIdentity &&
  a.leaseDurationSeconds === b.leaseDurationSeconds &&
  a.acquireTime === b.acquireTime &&
  a.renewTime === b.renewTime &&
  a.leaseTransitions === b.leaseTransitions;
