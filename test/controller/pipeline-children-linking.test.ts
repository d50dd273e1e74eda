import { afterEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../src/adapters/memory/manual-clock.ts";
import type { RunJson } from "../../src/adapters/memory/run-json.ts";
import { sampleRuns } from "../../src/app/demo/sample-runs.ts";
import { EmbeddedChains } from "../../src/app/harness/embedded-chains.ts";

let chains: EmbeddedChains | undefined;
afterEach(async () => {
  await chains?.stop();
  chains = undefined;
});

/** Time never moves on this clock: a PipelineRun signed at all did not wait for its children. */
const timing = { retryDelayMs: 5, maxRetryDelayMs: 50, childWaitMs: 10 * 60_000 };

const withoutOwnerReferences = (run: RunJson, keepLabel: boolean): RunJson => {
  const { ownerReferences: _dropped, ...metadata } = run.metadata;
  const labels = { ...metadata.labels };
  if (!keepLabel) delete labels["tekton.dev/pipelineRun"];
  return { ...run, metadata: { ...metadata, labels } };
};

const signChildrenThenParent = async (keepLabel: boolean) => {
  chains = await EmbeddedChains.start({ clock: new ManualClock(), controller: { timing } });
  // Linked children come from the cache alone: a live read of one would fail.
  if (keepLabel) chains.cluster.failNext("readRun", 100, "injected: a linked child must not need a read");
  const { taskRuns, pipelineRun } = sampleRuns();
  const pr = chains.createRun(pipelineRun);
  const children = taskRuns.slice(2).map((t) => chains!.createRun(withoutOwnerReferences(t, keepLabel)));
  for (const child of children) chains.completeRun(child);
  for (const child of children) expect(await chains.awaitSigned(child)).toBe("true");
  await chains.cluster.settled();
  chains.completeRun(pr);
  expect(await chains.awaitSigned(pr, 5_000)).toBe("true");
  // Signed with both children: nothing was reported missing.
  expect(chains.cluster.events().filter((e) => e.reason === "ChildrenMissing" || e.reason === "SigningWithoutChildren")).toEqual([]);
};

describe("PipelineRun children (issue 13, item 5)", () => {
  it("links children that carry only the tekton.dev/pipelineRun label, without waiting", async () => {
    await signChildrenThenParent(true);
  });

  it("reads a child named in childReferences that is not in the cache before calling it missing", async () => {
    await signChildrenThenParent(false);
  });
});
