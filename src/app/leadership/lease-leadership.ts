import type { LeaderElectionTiming } from "../../domain/leader-election/leader-election-config.ts";
import { leaseNameFor } from "../../domain/leader-election/lease-names.ts";
import type { RunKind } from "../../domain/run/run-object.ts";
import type { LeaseStore } from "../../ports/lease-store.ts";
import type { Leadership } from "../controller/leadership.ts";
import { LeaseElector } from "./lease-elector.ts";

export interface LeaseLeadershipOptions {
  readonly store: LeaseStore["Service"];
  readonly identity: string;
  readonly timing: LeaderElectionTiming;
  readonly log: (level: "info" | "warning", message: string) => void;
  readonly now?: () => number;
}

export interface LeaseLeadership extends Leadership {
  /** Stops campaigning; `release` hands held leases back (graceful shutdown). */
  readonly stop: (options: { readonly release: boolean }) => Promise<void>;
}

/**
 * Leadership over the two Leases Tekton Chains' controllers use, one per run kind. The PipelineRun
 * lease is sought only while the TaskRun lease is held, and given back when it is lost, so among
 * chains-ts replicas one leader holds both; next to a Tekton Chains controller that still holds one
 * of them, each run kind still has exactly one signer.
 */
export const startLeaseLeadership = (options: LeaseLeadershipOptions): LeaseLeadership => {
  const listeners = new Set<(kind: RunKind, leading: boolean) => void>();
  const notify = (kind: RunKind, leading: boolean) => {
    for (const listener of listeners) listener(kind, leading);
  };
  const elector = (kind: RunKind, onChange: (leading: boolean) => void) =>
    new LeaseElector({ ...options, lease: leaseNameFor(kind), onChange });
  let pipelineRuns: LeaseElector | undefined;
  let stopping = false;
  // Serialised so that a quick loss and regain cannot run two PipelineRun electors at once.
  let pipelineRunChange: Promise<void> = Promise.resolve();
  const taskRuns = elector("TaskRun", (leading) => {
    notify("TaskRun", leading);
    pipelineRunChange = pipelineRunChange.then(async () => {
      if (leading && !stopping && taskRuns.leading && pipelineRuns === undefined) {
        pipelineRuns = elector("PipelineRun", (leadingPipelineRuns) => notify("PipelineRun", leadingPipelineRuns));
        pipelineRuns.start();
      } else if (!leading && pipelineRuns !== undefined) {
        const stepping = pipelineRuns;
        pipelineRuns = undefined;
        await stepping.stop({ release: true });
      }
    });
  });
  taskRuns.start();
  return {
    leads: (kind) => (kind === "TaskRun" ? taskRuns.leading : (pipelineRuns?.leading ?? false)),
    subscribe: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    stop: async ({ release }) => {
      stopping = true;
      await pipelineRunChange;
      const stepping = pipelineRuns;
      pipelineRuns = undefined;
      await stepping?.stop({ release });
      await taskRuns.stop({ release });
      await pipelineRunChange;
    },
  };
};
