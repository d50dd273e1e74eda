import { afterEach, describe, expect, it } from "vitest";
import { EmulatedChains, plainTaskRun } from "./emulated-chains.ts";
import { until } from "../support/until.ts";

let chains: EmulatedChains | undefined;
afterEach(async () => {
  await chains?.stop();
  chains = undefined;
});

describe("finalizers on runs completed at once (issue 13, item 1)", () => {
  it("leaves no chains finalizer on any signed run, whatever order the finalizer and signing writes land in", async () => {
    chains = await EmulatedChains.create();
    await chains.startController();
    const names = Array.from({ length: 12 }, (_, i) => `quick-${i}`);
    for (const [i, name] of names.entries()) {
      // The run's first PATCH is slow: the finalizer write still in flight when Tekton completes the
      // run gets a real 409 (the resourceVersion moved on) and goes round its retry while the run is signed.
      chains.emu.faults.add({ match: { verb: "patch", resource: "taskruns", name }, times: 1, respond: { delayMs: 300 } });
      // Every other run also meets injected conflicts on its next PATCHes.
      if (i % 2 === 1) chains.emu.faults.add({ match: { verb: "patch", resource: "taskruns", name }, times: 2, respond: { status: 409 } });
      chains.emu.store.seed(plainTaskRun(name));
    }
    // Tekton completes each run as soon as the controller has started writing its finalizer.
    const started = new Set<string>();
    await until(() => {
      for (const name of names) {
        if (started.has(name) || chains!.emu.requestLog.count({ verb: "patch", resource: "taskruns", name }) === 0) continue;
        chains!.complete("taskruns", name);
        started.add(name);
      }
      return started.size === names.length;
    }, "the finalizer writes to start");
    for (const name of names) expect(await chains.awaitSigned("taskruns", name)).toBe("true");
    // No write after this: a stop lets the passes in flight finish. Then every write it sent lands
    // (a delayed PATCH is answered once the emulator applied it).
    await chains.stopController();
    await until(() => chains!.emu.requestLog.writes({ resource: "taskruns" }).every((write) => write.status !== 0), "every PATCH answered");
    const conflicts = chains.emu.requestLog.writes({ resource: "taskruns" }).filter((w) => w.status === 409);
    expect(conflicts.length).toBeGreaterThan(names.length / 2);
    const withFinalizer = names.filter((name) => chains!.finalizers("taskruns", name).includes("chains.tekton.dev/taskrun"));
    expect(withFinalizer).toEqual([]);
    for (const name of names) expect(chains.provenanceVerifies("taskruns", name)).toBe(true);
  });
});
