import type { ChaosParameters } from "./chaos-parameters.ts";
import type { ChaosRow } from "./chaos-row.ts";
import type { ChaosWorld, ImageRun } from "./chaos-world.ts";
import { superviseController } from "./controller-supervisor.ts";
import { auditRuns, awaitSettled } from "./run-audit.ts";

const WRITE_VERBS = ["create", "update", "patch", "delete"] as const;
const READ_VERBS = ["get", "list", "watch", "discovery"] as const;
const RUNS_PER_TICK = 4;
const TICK_MS = 250;

/**
 * `rate` of the requests with these verbs answer one of `statuses`, in equal shares. Rules are
 * consulted in order, so each one's probability is its share of what the earlier ones left.
 */
const injectFaults = (world: ChaosWorld, verbs: ReadonlyArray<string>, statuses: ReadonlyArray<number>, rate: number) => {
  const share = rate / statuses.length;
  return statuses.flatMap((status, index) =>
    verbs.map((verb) => world.emu.faults.add({ match: { verb }, times: Infinity, probability: share / (1 - index * share), respond: { status } })),
  );
};

/**
 * Row "API faults": one replica (leader election as deployed) signs runs while a share of its API
 * requests fail (500, 429; 409 on writes), every watch is dropped now and then and the history is
 * compacted so the re-watch gets 410. Faults run from before start-up, with a backlog of finished
 * runs waiting. A controller that exits is restarted, as its Deployment would; restarts are reported.
 */
export const apiFaults = async (world: ChaosWorld, params: ChaosParameters): Promise<ReadonlyArray<ChaosRow>> => {
  const faults = [
    ...injectFaults(world, WRITE_VERBS, [409, 500, 429], params.faultRate),
    ...injectFaults(world, READ_VERBS, [500, 429], params.faultRate),
  ];
  let watchDrops = 0;
  const dropper = setInterval(() => {
    world.emu.dropWatches();
    world.emu.compactHistory();
    watchDrops++;
  }, params.watchDropEveryMs);
  // A backlog: runs that finished before the controller started.
  const runs: Array<ImageRun> = Array.from({ length: Math.floor(params.faultRuns / 4) }, (_, i) => world.seedImageRun(`faulty-backlog-${i}`));
  for (const run of runs) world.complete(run.name);
  const supervisor = superviseController(world, "chaos-faults", { disableHa: false });
  try {
    // Short tasks: each tick creates runs and completes the previous tick's, racing their finalizers.
    let previous: ReadonlyArray<ImageRun> = [];
    while (runs.length < params.faultRuns || previous.length > 0) {
      const created = Array.from({ length: Math.min(RUNS_PER_TICK, params.faultRuns - runs.length) }, (_, i) => world.seedImageRun(`faulty-${runs.length + i}`));
      runs.push(...created);
      for (const run of previous) world.complete(run.name);
      previous = created;
      await new Promise((resolve) => setTimeout(resolve, TICK_MS));
    }
    await awaitSettled(world, runs, params.settleTimeoutS * 1000);
  } finally {
    clearInterval(dropper);
    for (const fault of faults) fault.remove();
    await supervisor.stop();
  }
  const injected = faults.reduce((sum, fault) => sum + fault.hits, 0);
  const requests = world.emu.requestLog.count();
  const notes = [
    `${injected} of ${requests} API requests answered with an injected fault; ${watchDrops} watch drops with compacted history`,
    ...supervisor.restarts(),
  ];
  return [{ scenario: `API faults ${Math.round(params.faultRate * 100)}% + watch drops/410`, audit: await auditRuns(world, runs), notes }];
};
