import { Context, Data, type Effect } from "effect";
import type { LeaseRecord, ObservedLease } from "../domain/leader-election/lease-record.ts";
import type { ClusterUnavailable } from "./cluster.ts";

/** Someone else wrote the lease since it was read (or created it first): read again. */
export class LeaseConflict extends Data.TaggedError("LeaseConflict")<{ readonly lease: string }> {}

/**
 * Leases in `SYSTEM_NAMESPACE`, read and written the way client-go's LeaseLock does: a create
 * that fails if the lease exists, and updates conditional on the version read.
 */
export class LeaseStore extends Context.Service<
  LeaseStore,
  {
    readonly read: (name: string) => Effect.Effect<ObservedLease | undefined, ClusterUnavailable>;
    readonly create: (name: string, record: LeaseRecord) => Effect.Effect<ObservedLease, LeaseConflict | ClusterUnavailable>;
    readonly update: (
      name: string,
      record: LeaseRecord,
      resourceVersion: string,
    ) => Effect.Effect<ObservedLease, LeaseConflict | ClusterUnavailable>;
  }
>()("chains-ts/LeaseStore") {}
