import { afterEach, describe, expect, it } from "vitest";
import { EmbeddedChains } from "../../src/app/harness/embedded-chains.ts";
import { sampleTaskRun } from "../memory/run-fixtures.ts";
import { runKey, type RunRef } from "../../src/domain/run/run-ref.ts";
import { until } from "../support/until.ts";

let chains: EmbeddedChains | undefined;
afterEach(async () => {
  await chains?.stop();
  chains = undefined;
});

const eventsOf = (c: EmbeddedChains, ref: RunRef) =>
  c.cluster
    .events()
    .filter((e) => runKey(e.ref) === runKey(ref))
    .map((e) => ({ type: e.type, reason: e.reason, message: e.message }));

describe("finalizer Events", () => {
  it("records no Event when the finalizer is added or the run is signed: Events are for failures (issue 14)", async () => {
    chains = await EmbeddedChains.start();
    const ref = chains.createRun(sampleTaskRun("running"));
    await until(() => chains!.cluster.getRun(ref)?.metadata.finalizers?.includes("chains.tekton.dev/taskrun") === true, "the finalizer added");
    chains.completeRun(ref);
    expect(await chains.awaitSigned(ref)).toBe("true");
    await chains.cluster.settled();
    expect(chains.cluster.getRun(ref)?.metadata.finalizers ?? []).toEqual([]);
    expect(eventsOf(chains, ref)).toEqual([]);
  });

  it("records FinalizerUpdateFailed with the reason when the write fails, then retries on the next event", async () => {
    chains = await EmbeddedChains.start();
    chains.cluster.failNext("writeRun", 1, "injected: API server unavailable");
    const ref = chains.createRun(sampleTaskRun("unlucky"));
    await until(() => eventsOf(chains!, ref).length > 0, "an Event on the run");
    const [failed] = eventsOf(chains, ref);
    expect(failed).toMatchObject({ type: "Warning", reason: "FinalizerUpdateFailed" });
    expect(failed?.message).toContain("injected: API server unavailable");
    chains.completeRun(ref);
    expect(await chains.awaitSigned(ref)).toBe("true");
  });
});
