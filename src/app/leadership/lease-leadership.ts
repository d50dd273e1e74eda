import type { LeaderElectionTiming } from "../../domain/leader-election/leader-election-config.ts";
import { leaseNameFor } from "../../domain/leader-election/lease-names.ts";
import type { RunKind } from "../../domain/run/run-object.ts";
import type { Clock } from "../../ports/clock.ts";
import type { LeaseStore } from "../../ports/lease-store.ts";
import type { Leadership } from "../controller/leadership.ts";
import { LeaseElector } from "./lease-elector.ts";

export interface LeaseLeadershipOptions {
  readonly store: LeaseStore["Service"];
  readonly identity: string;
  readonly timing: LeaderElectionTiming;
  readonly log: (level: "info" | "warning", message: string) => void;
  readonly clock?: Clock["Service"];
}

export interface LeaseLeadership extends Leadership {
  /** Stops campaigning; `release` hands held leases back (graceful shutdown). */
  readonly stop: (options: { readonly release: boolean }) => Promise<void>;
}

/**
 * Leadership over the two Leases Tekton Chains' controllers use, one per run kind. The PipelineRun
 * lease is sought only while the TaskRun lease is held (and only watched otherwise), and given back
 * when it is lost, so among chains-ts replicas one leader holds both; next to a Tekton Chains
 * controller that still holds one of them, each run kind still has exactly one signer.
 */
export const startLeaseLeadership = (options: LeaseLeadershipOptions): LeaseLeadership => {
  const listeners = new Set<(kind: RunKind, leading: boolean) => void>();
  const notify = (kind: RunKind, leading: boolean) => {
    for (const listener of listeners) listener(kind, leading);
  };
  // Watched from the start, so that a standby taking over from a dead leader knows at once whether
  // its PipelineRun lease has run out too, instead of first watching it for a lease duration.
  const pipelineRuns = new LeaseElector({
    ...options,
    lease: leaseNameFor("PipelineRun"),
    campaigning: false,
    onChange: (leading) => notify("PipelineRun", leading),
  });
  let stopping = false;
  // Serialised so that a quick loss and regain of the TaskRun lease campaigns in order.
  let pipelineRunChange: Promise<void> = Promise.resolve();
  const taskRuns = new LeaseElector({
    ...options,
    lease: leaseNameFor("TaskRun"),
    onChange: (leading) => {
      notify("TaskRun", leading);
      pipelineRunChange = pipelineRunChange.then(() => (stopping ? undefined : pipelineRuns.campaign(taskRuns.leading)));
    },
  });
  taskRuns.start();
  pipelineRuns.start();
  return {
    leads: (kind) => (kind === "TaskRun" ? taskRuns : pipelineRuns).leading,
    subscribe: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    stop: async ({ release }) => {
      stopping = true;
      await pipelineRunChange;
      await pipelineRuns.stop({ release });
      await taskRuns.stop({ release });
    },
  };
};
