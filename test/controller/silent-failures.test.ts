import { afterEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../src/adapters/memory/manual-clock.ts";
import type { RunJson } from "../../src/adapters/memory/run-json.ts";
import { sampleRuns } from "../../src/app/demo/sample-runs.ts";
import { EmbeddedChains } from "../../src/app/harness/embedded-chains.ts";
import { runKey, type RunRef } from "../../src/domain/run/run-ref.ts";
import { until } from "../support/until.ts";

let chains: EmbeddedChains | undefined;
afterEach(async () => {
  await chains?.stop();
  chains = undefined;
});

const eventsOn = (c: EmbeddedChains, ref: RunRef) => c.cluster.events().filter((e) => runKey(e.ref) === runKey(ref));

describe("failures that used to leave only a log line (issue 13, item 4)", () => {
  it("records a Warning Event on a run whose status.conditions cannot be read", async () => {
    chains = await EmbeddedChains.start();
    const run = structuredClone(sampleRuns().taskRuns[1]!);
    (run["status"] as Record<string, unknown>)["conditions"] = [{ type: "Succeeded", status: true }];
    const ref = chains.createRun(run);
    await until(() => eventsOn(chains!, ref).length > 0, "an Event on the unreadable run");
    const [event] = eventsOn(chains, ref);
    expect(event).toMatchObject({ type: "Warning", reason: "RunUnreadable" });
    expect(event?.message).toContain("conditions");
  });

  it("names children that do not exist in an Event at once, then signs with the children that exist after the bounded wait", async () => {
    const clock = new ManualClock();
    // Ten minutes, as on a cluster: the test moves time on instead of waiting for it.
    const childWaitMs = 10 * 60_000;
    chains = await EmbeddedChains.start({ clock, controller: { timing: { retryDelayMs: 5, maxRetryDelayMs: 50, childWaitMs } } });
    const { taskRuns, pipelineRun } = sampleRuns();
    const withGhost: RunJson = structuredClone(pipelineRun);
    const status = withGhost["status"] as { childReferences: Array<Record<string, string>> };
    status.childReferences.push({ apiVersion: "tekton.dev/v1", kind: "TaskRun", name: "pruned-child", pipelineTaskName: "ghost" });
    const pr = chains.createRun(withGhost);
    const children = taskRuns.slice(2).map((t) => chains!.createRun(t));
    for (const child of children) chains.completeRun(child);
    for (const child of children) expect(await chains.awaitSigned(child)).toBe("true");
    chains.completeRun(pr);

    await until(() => eventsOn(chains!, pr).some((e) => e.reason === "ChildrenMissing"), "the ChildrenMissing Event");
    const missing = eventsOn(chains, pr).find((e) => e.reason === "ChildrenMissing");
    expect(missing?.type).toBe("Warning");
    expect(missing?.message).toContain("pruned-child");
    expect(chains.annotations(pr)["chains.tekton.dev/signed"]).toBeUndefined();

    // It waits the whole bounded wait for the missing child, then signs without it.
    await until(() => chains!.stateOf(pr) === "awaitingChildren", "the PipelineRun waiting for its children");
    clock.advance(childWaitMs - 1);
    expect(chains.stateOf(pr)).toBe("awaitingChildren");
    clock.advance(1);
    expect(await chains.awaitSigned(pr)).toBe("true");
    const signedWithout = eventsOn(chains, pr).find((e) => e.reason === "SigningWithoutChildren");
    expect(signedWithout?.message).toContain("pruned-child");
    expect(signedWithout?.message).not.toContain(children[0]!.name);
  });
});
