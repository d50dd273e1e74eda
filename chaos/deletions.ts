import { RETRIES_ANNOTATION } from "../src/domain/annotations/chains-annotations.ts";
import { freePort } from "../test/support/oci-registry.ts";
import type { ChaosParameters } from "./chaos-parameters.ts";
import type { ChaosRow } from "./chaos-row.ts";
import { type ChaosWorld, type ImageRun, until } from "./chaos-world.ts";
import { auditRuns } from "./run-audit.ts";

const POD = "chaos-deletions";

/**
 * Row "deletions": runs are deleted in every situation a finalizer could hold them — running,
 * just completed (a pass in flight), failing to store (waiting between retries), signed, and
 * while the controller is down — and each deletion is timed until the run is gone.
 */
export const deletions = async (world: ChaosWorld, params: ChaosParameters): Promise<ReadonlyArray<ChaosRow>> => {
  const giveUpMs = params.deletionBoundS * 3 * 1000;
  const runs: Array<ImageRun> = [];
  const blocks: Array<number> = [];
  const notes: Array<string> = [];
  /** Per round: how long each deletion was blocked. */
  let timings: Array<string> = [];
  // Nothing listens there: every store to it fails, so the run goes through its retries.
  const deadRegistry = `127.0.0.1:${await freePort()}`;
  let controller = world.startController(POD, { disableHa: true });

  const seed = async (name: string, registryHost?: string): Promise<ImageRun> => {
    const run = world.seedImageRun(name, registryHost);
    runs.push(run);
    if (!(await until(() => world.hasFinalizer(name), params.settleTimeoutS * 1000))) notes.push(`${name}: no finalizer within ${params.settleTimeoutS} s`);
    return run;
  };
  const deleteAndTime = (names: ReadonlyArray<string>): Array<Promise<void>> => {
    const deletedAt = Date.now();
    for (const name of names) world.delete(name);
    return names.map(async (name) => {
      const gone = await until(() => !world.exists(name), giveUpMs);
      const blockedS = gone ? (Date.now() - deletedAt) / 1000 : Number.POSITIVE_INFINITY;
      blocks.push(blockedS);
      timings.push(`${name} ${gone ? `${blockedS.toFixed(1)} s` : `still there after ${giveUpMs / 1000} s`}`);
    });
  };

  try {
    for (let r = 0; r < params.deletionRounds; r++) {
      const running = await seed(`deleted-running-${r}`);
      await Promise.all(deleteAndTime([running.name]));

      const completing = await seed(`deleted-completing-${r}`);
      world.complete(completing.name);
      await Promise.all(deleteAndTime([completing.name]));

      const failing = await seed(`deleted-failing-${r}`, deadRegistry);
      world.complete(failing.name);
      // Deleted while it waits for its next retry, after one more failed pass each round.
      await until(() => Number(world.metadata(failing.name).annotations?.[RETRIES_ANNOTATION] ?? "-1") >= Math.min(r, 3), params.settleTimeoutS * 1000);
      await Promise.all(deleteAndTime([failing.name]));

      const signed = await seed(`deleted-signed-${r}`);
      world.complete(signed.name);
      await until(() => world.signedState(signed.name) === "true", params.settleTimeoutS * 1000);
      await Promise.all(deleteAndTime([signed.name]));

      const whileDownRunning = await seed(`deleted-while-down-running-${r}`);
      const whileDownDone = await seed(`deleted-while-down-done-${r}`);
      await controller.kill();
      world.complete(whileDownDone.name);
      const timed = deleteAndTime([whileDownRunning.name, whileDownDone.name]);
      controller = world.startController(POD, { disableHa: true });
      await Promise.all(timed);
      notes.push(`round ${r + 1}, seconds from deletion to gone: ${timings.join(", ")}`);
      timings = [];
    }
  } finally {
    await controller.stop();
  }
  const audit = await auditRuns(world, runs);
  return [{ scenario: "deletions", audit, lostNotExpected: true, maxDeletionBlockS: Math.max(0, ...blocks), deletionBoundS: params.deletionBoundS, notes }];
};
