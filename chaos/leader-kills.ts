import { Result } from "effect";
import { parseLeaderElectionConfig } from "../src/domain/leader-election/leader-election-config.ts";
import { leaseNameFor } from "../src/domain/leader-election/lease-names.ts";
import type { ChaosParameters } from "./chaos-parameters.ts";
import type { ChaosRow } from "./chaos-row.ts";
import { type ChaosWorld, type ImageRun, until } from "./chaos-world.ts";
import type { ControllerProcess } from "./controller-process.ts";
import { auditRuns, awaitSettled } from "./run-audit.ts";

const PODS = ["chaos-a", "chaos-b"] as const;
const RUNS_BEFORE_KILL = 3;
const RUNS_DURING_TAKEOVER = 3;
const IN_FLIGHT_MS = 500;

const holderOf = (world: ChaosWorld, kind: "TaskRun" | "PipelineRun"): string =>
  ((world.emu.store.get("leases", "tekton-chains", leaseNameFor(kind))?.["spec"] as { holderIdentity?: string } | undefined)?.holderIdentity ?? "");

/** Lease identities are the pod name, possibly with a per-process suffix (`<pod>_<uuid>`). */
const holdsBoth = (world: ChaosWorld, pod: string): boolean =>
  (["TaskRun", "PipelineRun"] as const).every((kind) => {
    const holder = holderOf(world, kind);
    return holder === pod || holder.startsWith(`${pod}_`);
  });

/**
 * Row "leader kill": two replicas with the leader-election values deploy/ ships. The leader is
 * SIGKILLed while it signs; the takeover is the time until the standby holds both Leases. Runs
 * completed before and during the takeover must all be signed. The killed pod is started again
 * under the same name, as its ReplicaSet would, and becomes the standby for the next kill.
 */
export const leaderKills = async (world: ChaosWorld, params: ChaosParameters): Promise<ReadonlyArray<ChaosRow>> => {
  const timing = parseLeaderElectionConfig(params.leaderElection);
  if (Result.isFailure(timing)) throw new Error(`leader-election values: ${timing.failure.message}`);
  const { leaseDurationMs } = timing.success.timing;
  /** Past this the takeover is reported as "never": well past the bound, or in CI just past it, to keep CI short. */
  const giveUpMs = params.size === "ci" ? params.takeoverBoundS * 2_000 : Math.max(params.takeoverBoundS * 1000, leaseDurationMs) * 3;
  const notes: Array<string> = [];
  const runs: Array<ImageRun> = [];
  const explained = new Set<string>();
  const replicas = new Map<string, ControllerProcess>(PODS.map((pod) => [pod, world.startController(pod, { disableHa: false })]));
  const leader = () => PODS.find((pod) => holdsBoth(world, pod));
  let maxTakeoverS = 0;
  try {
    if (!(await until(() => leader() !== undefined, giveUpMs))) {
      notes.push(`no replica held both Leases within ${giveUpMs / 1000} s of start-up`);
      return [{ scenario: "leader kill (2 replicas)", audit: await auditRuns(world, runs), maxTakeoverS: Number.POSITIVE_INFINITY, takeoverBoundS: params.takeoverBoundS, notes }];
    }
    for (let k = 0; k < params.leaderKills; k++) {
      const before = Array.from({ length: RUNS_BEFORE_KILL }, (_, i) => world.seedImageRun(`leader-${k}-before-${i}`));
      const during = Array.from({ length: RUNS_DURING_TAKEOVER }, (_, i) => world.seedImageRun(`leader-${k}-during-${i}`));
      runs.push(...before, ...during);
      await until(() => [...before, ...during].every((run) => world.hasFinalizer(run.name)), params.settleTimeoutS * 1000);
      const dying = leader();
      if (dying === undefined) {
        notes.push(`kill ${k + 1}: no replica held both Leases`);
        break;
      }
      const survivor = PODS.find((pod) => pod !== dying)!;
      const signRequests = world.vaultGate.seen.length;
      for (const run of before) world.complete(run.name);
      // The kill lands while the leader signs what it was just given.
      await until(() => world.vaultGate.seen.length > signRequests, params.settleTimeoutS * 1000);
      await replicas.get(dying)!.kill();
      const killedAt = Date.now();
      for (const run of during) world.complete(run.name);
      // Requests the dead leader had fully sent may still land; then the registry is as it left it.
      await new Promise((resolve) => setTimeout(resolve, IN_FLIGHT_MS));
      for (const run of before) {
        if (world.signedState(run.name) !== "true") for (const tag of await world.tagsWithLayers(run)) explained.add(`${run.name} ${tag}`);
      }
      const tookOver = await until(() => holdsBoth(world, survivor), giveUpMs - (Date.now() - killedAt));
      const takeoverS = tookOver ? (Date.now() - killedAt) / 1000 : Number.POSITIVE_INFINITY;
      maxTakeoverS = Math.max(maxTakeoverS, takeoverS);
      notes.push(`kill ${k + 1}: ${dying} killed, ${survivor} ${tookOver ? `held both Leases after ${takeoverS.toFixed(1)} s` : `did not lead within ${giveUpMs / 1000} s`}`);
      replicas.set(dying, world.startController(dying, { disableHa: false }));
      await awaitSettled(world, [...before, ...during], params.settleTimeoutS * 1000);
    }
  } finally {
    for (const replica of replicas.values()) await replica.stop();
  }
  return [{ scenario: "leader kill (2 replicas)", audit: await auditRuns(world, runs, explained), maxTakeoverS, takeoverBoundS: params.takeoverBoundS, notes }];
};
