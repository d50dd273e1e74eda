import { afterEach, describe, expect, it } from "vitest";
import { sampleRuns } from "../../src/app/demo/sample-runs.ts";
import { EmbeddedChains } from "../../src/app/harness/embedded-chains.ts";
import { sampleTaskRun } from "../memory/run-fixtures.ts";

let chains: EmbeddedChains | undefined;
afterEach(async () => {
  await chains?.stop();
  chains = undefined;
});

describe("the controller's run cache", () => {
  it("holds full objects only for runs still to be signed", async () => {
    chains = await EmbeddedChains.start();
    const refs = Array.from({ length: 40 }, (_, i) => chains!.createRun(sampleTaskRun(`run-${i}`)));
    await chains.cluster.settled();
    expect(chains.heldRunObjects()).toBe(refs.length);
    for (const ref of refs) chains.completeRun(ref);
    for (const ref of refs) expect(await chains.awaitSigned(ref)).toBe("true");
    await chains.cluster.settled();
    expect(chains.heldRunObjects()).toBe(0);
  });

  it("keeps signed children while their PipelineRun waits, and lets them go once it is signed", async () => {
    chains = await EmbeddedChains.start();
    const { pipelineRun, taskRuns } = sampleRuns();
    const parent = chains.createRun(pipelineRun);
    const children = taskRuns.slice(2).map((child) => chains!.createRun(child));
    for (const child of children) chains.completeRun(child);
    for (const child of children) expect(await chains.awaitSigned(child)).toBe("true");
    await chains.cluster.settled();
    // The running PipelineRun and both signed children it will describe.
    expect(chains.heldRunObjects()).toBe(1 + children.length);
    chains.completeRun(parent);
    expect(await chains.awaitSigned(parent)).toBe("true");
    // The provenance still describes both children, read from the cache.
    const uid = chains.cluster.getRun(parent)?.metadata.uid ?? "";
    const statement = JSON.parse(Buffer.from(chains.annotations(parent)[`chains.tekton.dev/payload-pipelinerun-${uid}`] ?? "", "base64").toString());
    const tasks = statement.predicate.buildConfig.tasks.map((t: { name: string }) => t.name);
    expect(tasks).toEqual(["fetch", "build"]);
    await chains.cluster.settled();
    expect(chains.heldRunObjects()).toBe(0);
  });

  it("after a restart, holds nothing for runs signed before it", async () => {
    chains = await EmbeddedChains.start();
    const { pipelineRun, taskRuns } = sampleRuns();
    const parent = chains.createRun(pipelineRun);
    const children = taskRuns.slice(2).map((child) => chains!.createRun(child));
    for (const ref of [...children, parent]) chains.completeRun(ref);
    expect(await chains.awaitSigned(parent)).toBe("true");
    await chains.restart();
    await chains.cluster.settled();
    expect(chains.heldRunObjects()).toBe(0);
  });
});
