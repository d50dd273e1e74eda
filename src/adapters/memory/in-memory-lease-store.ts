import { Effect } from "effect";
import type { LeaseRecord, ObservedLease } from "../../domain/leader-election/lease-record.ts";
import { ClusterUnavailable } from "../../ports/cluster.ts";
import { LeaseConflict, type LeaseStore } from "../../ports/lease-store.ts";

/** Leases in memory, with the API server's create and conditional-update rules. */
export class InMemoryLeaseStore {
  readonly #leases = new Map<string, ObservedLease>();
  #version = 0;
  /** While set, every call fails as an unreachable API server would. */
  unavailable = false;

  service(): LeaseStore["Service"] {
    const reachable = (operation: string): Effect.Effect<void, ClusterUnavailable> =>
      this.unavailable ? Effect.fail(new ClusterUnavailable({ operation, reason: "injected outage" })) : Effect.void;
    const write = (name: string, record: LeaseRecord): ObservedLease => {
      this.#version += 1;
      const lease = { record, resourceVersion: String(this.#version) };
      this.#leases.set(name, lease);
      return lease;
    };
    return {
      read: (name) => reachable(`read Lease ${name}`).pipe(Effect.map(() => this.#leases.get(name))),
      create: (name, record) =>
        reachable(`create Lease ${name}`).pipe(
          Effect.flatMap(() => (this.#leases.has(name) ? Effect.fail(new LeaseConflict({ lease: name })) : Effect.succeed(write(name, record)))),
        ),
      update: (name, record, resourceVersion) =>
        reachable(`update Lease ${name}`).pipe(
          Effect.flatMap(() =>
            this.#leases.get(name)?.resourceVersion === resourceVersion
              ? Effect.succeed(write(name, record))
              : Effect.fail(new LeaseConflict({ lease: name })),
          ),
        ),
    };
  }
}
