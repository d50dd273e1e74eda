import type { RunKind } from "../run/run-object.ts";

/**
 * The Lease Tekton Chains' controller for `kind` holds for bucket `ordinal` of `buckets`
 * (controller.md §5: `watcher.<queue name>.<NN>-of-<MM>`, both numbers zero-padded to two digits,
 * lowercased, the queue name being the reconciler's Go type path; knative's standard bucket
 * names). chains-ts contends for the very same Leases, so during a switch-over from Tekton Chains
 * with the same `buckets` the two never sign the same run at once.
 */
export const bucketLeaseName = (kind: RunKind, ordinal: number, buckets: number): string => {
  const queue = `github.com.tektoncd.chains.pkg.reconciler.${kind === "TaskRun" ? "taskrun" : "pipelinerun"}.reconciler`;
  const two = (n: number) => String(n).padStart(2, "0");
  return `watcher.${queue}.${two(ordinal)}-of-${two(buckets)}`.toLowerCase();
};

/** Every bucket's Lease for `kind`, in ordinal order. */
export const bucketLeaseNames = (kind: RunKind, buckets: number): ReadonlyArray<string> =>
  Array.from({ length: buckets }, (_, ordinal) => bucketLeaseName(kind, ordinal, buckets));

/** The Lease of the default single bucket (`…00-of-01`). */
export const leaseNameFor = (kind: RunKind): string => bucketLeaseName(kind, 0, 1);
