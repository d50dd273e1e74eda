import { Effect } from "effect";
import type { LeaseRecord, ObservedLease } from "../../domain/leader-election/lease-record.ts";
import { ClusterUnavailable } from "../../ports/cluster.ts";
import { LeaseConflict, type LeaseStore } from "../../ports/lease-store.ts";
import { describeApiError, httpStatusOf } from "./api-errors.ts";
import type { KubeApi } from "./kube-api.ts";

const lease = { group: "coordination.k8s.io", version: "v1", plural: "leases" } as const;

interface RawLease {
  readonly metadata?: { readonly resourceVersion?: string };
  readonly spec?: Partial<LeaseRecord>;
}

const observed = (object: unknown): ObservedLease => {
  const raw = object as RawLease;
  const spec = raw.spec ?? {};
  return {
    resourceVersion: raw.metadata?.resourceVersion ?? "",
    record: {
      holderIdentity: spec.holderIdentity ?? "",
      leaseDurationSeconds: spec.leaseDurationSeconds ?? 0,
      acquireTime: spec.acquireTime ?? "",
      renewTime: spec.renewTime ?? "",
      leaseTransitions: spec.leaseTransitions ?? 0,
    },
  };
};

/**
 * Leases through the generic object endpoints rather than the typed Lease client: the typed model
 * turns MicroTime fields into `Date`s and writes them back with millisecond precision, which the
 * API server's MicroTime parser refuses.
 */
export const makeKubernetesLeaseStore = (api: KubeApi, namespace: string): LeaseStore["Service"] => {
  const call = <A>(operation: string, name: string, request: () => Promise<A>) =>
    Effect.tryPromise({
      try: request,
      catch: (error) =>
        httpStatusOf(error) === 409
          ? new LeaseConflict({ lease: name })
          : new ClusterUnavailable({ operation: `${operation} Lease ${namespace}/${name}`, reason: describeApiError(error) }),
    });
  const body = (name: string, record: LeaseRecord, resourceVersion?: string) => ({
    apiVersion: "coordination.k8s.io/v1",
    kind: "Lease",
    metadata: { name, namespace, ...(resourceVersion === undefined ? {} : { resourceVersion }) },
    spec: record,
  });
  return {
    read: (name) =>
      Effect.tryPromise({
        try: async () => {
          try {
            return observed(await api.call((a) => a.custom.getNamespacedCustomObject({ ...lease, namespace, name })));
          } catch (error) {
            if (httpStatusOf(error) === 404) return undefined;
            throw error;
          }
        },
        catch: (error) => new ClusterUnavailable({ operation: `read Lease ${namespace}/${name}`, reason: describeApiError(error) }),
      }),
    create: (name, record) =>
      call("create", name, () => api.call((a) => a.custom.createNamespacedCustomObject({ ...lease, namespace, body: body(name, record) }))).pipe(
        Effect.map(observed),
      ),
    update: (name, record, resourceVersion) =>
      call("update", name, () =>
        api.call((a) => a.custom.replaceNamespacedCustomObject({ ...lease, namespace, name, body: body(name, record, resourceVersion) })),
      ).pipe(Effect.map(observed)),
  };
};
