import { Effect, type Scope } from "effect";
import { BucketSet } from "../../domain/leader-election/bucket-set.ts";
import type { LeaderElectionTiming } from "../../domain/leader-election/leader-election-config.ts";
import { bucketLeaseName, bucketLeaseNames } from "../../domain/leader-election/lease-names.ts";
import type { RunKind } from "../../domain/run/run-object.ts";
import type { Clock } from "../../ports/clock.ts";
import type { LeaseStore } from "../../ports/lease-store.ts";
import type { Leadership, RunName } from "../controller/leadership.ts";
import { LeaseElector } from "./lease-elector.ts";

export interface LeaseLeadershipOptions {
  readonly store: LeaseStore["Service"];
  readonly identity: string;
  readonly timing: LeaderElectionTiming;
  /** Leases per run kind (the ConfigMap's `buckets`); default 1. */
  readonly buckets?: number;
  readonly log: (level: "info" | "warning", message: string) => void;
  readonly clock?: Clock["Service"];
}

export interface LeaseLeadership extends Leadership {
  /** The Leases of `kind` this replica holds now. */
  readonly heldLeases: (kind: RunKind) => ReadonlyArray<string>;
  /** Stops campaigning; `release` hands held leases back (graceful shutdown). */
  readonly stop: (options: { readonly release: boolean }) => Promise<void>;
}

/**
 * Leadership over the Leases Tekton Chains' controllers use: per run kind one per bucket, each
 * bucket owning the runs whose `namespace/name` knative's bucket set assigns to it. Every replica
 * campaigns for every TaskRun bucket, so any replica can take any bucket over; a replica that
 * already holds (or is taking) k of them waits 2k retry periods before taking a free one. Two
 * periods are more than the 1.2 periods in which a watching candidate sees a release or expiry,
 * so a replica holding fewer buckets always gets there first: replicas started within two periods
 * of each other, and the new pods of a rolling update, share the buckets out instead of the
 * quickest taking all. A PipelineRun bucket is sought only while the TaskRun bucket of the same
 * ordinal is held (and only watched otherwise), and given back when it is lost, so one replica
 * holds both Leases of an ordinal; next to a Tekton Chains controller that still holds one of them,
 * each run still has exactly one signer.
 */
export const startLeaseLeadership = (options: LeaseLeadershipOptions): LeaseLeadership => {
  const count = options.buckets ?? 1;
  const listeners = new Set<Parameters<Leadership["subscribe"]>[0]>();
  const bucketSets = {
    TaskRun: new BucketSet(bucketLeaseNames("TaskRun", count)),
    PipelineRun: new BucketSet(bucketLeaseNames("PipelineRun", count)),
  };
  const bucketOf = (kind: RunKind, run: RunName) => bucketSets[kind].owner(`${run.namespace}/${run.name}`);
  const notify = (kind: RunKind, lease: string, leading: boolean) => {
    const inBucket = (run: RunName) => bucketOf(kind, run) === lease;
    for (const listener of listeners) listener(kind, leading, inBucket);
  };
  let stopping = false;
  const electors = new Map<string, LeaseElector>();
  const taskRunElectors: Array<LeaseElector> = [];
  const pipelineRunElectors: Array<LeaseElector> = [];
  /** A replica's share shrank (a claim failed, a bucket was lost): its other candidates may try at once. */
  const retryOthers = (except: LeaseElector) => {
    if (stopping) return;
    for (const elector of taskRunElectors) if (elector !== except) elector.retry();
  };
  // Serialised per ordinal so that a quick loss and regain of a TaskRun bucket campaigns in order.
  const pipelineRunChanges: Array<Promise<void>> = [];
  for (let ordinal = 0; ordinal < count; ordinal++) {
    const taskRunLease = bucketLeaseName("TaskRun", ordinal, count);
    const pipelineRunLease = bucketLeaseName("PipelineRun", ordinal, count);
    // Watched from the start, so that a standby taking over from a dead leader knows at once whether
    // its PipelineRun lease has run out too, instead of first watching it for a lease duration.
    const pipelineRuns = new LeaseElector({
      ...options,
      lease: pipelineRunLease,
      campaigning: false,
      onChange: (leading) => notify("PipelineRun", pipelineRunLease, leading),
    });
    pipelineRunChanges.push(Promise.resolve());
    const taskRuns: LeaseElector = new LeaseElector({
      ...options,
      lease: taskRunLease,
      takeoverDelayMs: () => taskRunElectors.filter((e) => e.leading || e.claiming).length * 2 * options.timing.retryPeriodMs,
      onClaimFailed: () => retryOthers(taskRuns),
      onChange: (leading) => {
        notify("TaskRun", taskRunLease, leading);
        if (!leading) retryOthers(taskRuns);
        pipelineRunChanges[ordinal] = pipelineRunChanges[ordinal]!.then(() => (stopping ? undefined : pipelineRuns.campaign(taskRuns.leading)));
      },
    });
    electors.set(taskRunLease, taskRuns).set(pipelineRunLease, pipelineRuns);
    taskRunElectors.push(taskRuns);
    pipelineRunElectors.push(pipelineRuns);
  }
  for (const elector of electors.values()) elector.start();
  return {
    leads: (kind, run) => electors.get(bucketOf(kind, run))?.leading === true,
    heldLeases: (kind) => bucketSets[kind].names.filter((lease) => electors.get(lease)?.leading === true),
    subscribe: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    stop: async ({ release }) => {
      stopping = true;
      await Promise.all(pipelineRunChanges);
      await Promise.all(pipelineRunElectors.map((elector) => elector.stop({ release })));
      await Promise.all(taskRunElectors.map((elector) => elector.stop({ release })));
    },
  };
};

/** `startLeaseLeadership` for as long as the scope is open: closing it hands the held Leases back. */
export const heldLeaseLeadership = (options: LeaseLeadershipOptions): Effect.Effect<LeaseLeadership, never, Scope.Scope> =>
  Effect.acquireRelease(Effect.sync(() => startLeaseLeadership(options)), (leadership) => Effect.promise(() => leadership.stop({ release: true })));
