import { afterEach, describe, expect, it } from "vitest";
import type { RunJson } from "../../src/adapters/memory/run-json.ts";
import { sampleRuns } from "../../src/app/demo/sample-runs.ts";
import type { JsonObject } from "../support/kube-api-emulator/index.ts";
import { EmulatedChains, plainTaskRun } from "./emulated-chains.ts";
import { until } from "../support/until.ts";

let chains: EmulatedChains | undefined;
afterEach(async () => {
  await chains?.stop();
  chains = undefined;
});

interface CoreEvent {
  readonly type: string;
  readonly reason: string;
  readonly message: string;
  readonly involvedObject: { readonly kind: string; readonly name: string };
}

const eventsOn = (c: EmulatedChains, kind: string, name: string) =>
  (c.emu.store.list("events", "default") as unknown as Array<CoreEvent>).filter((e) => e.involvedObject.kind === kind && e.involvedObject.name === name);

/** A child wait far longer than the test: a PipelineRun signed in time did not wait for it. */
const longChildWait = { timing: { retryDelayMs: 5, maxRetryDelayMs: 50, childWaitMs: 10 * 60_000 } };

const unlinked = (run: RunJson): JsonObject => {
  const { ownerReferences: _owner, uid: _uid, ...metadata } = run.metadata;
  const labels = { ...metadata.labels };
  delete labels["tekton.dev/pipelineRun"];
  return { ...run, metadata: { ...metadata, labels } } as unknown as JsonObject;
};

describe("Events and PipelineRun children on the Kubernetes adapter (issue 13, items 4 and 5)", () => {
  it("records RunUnreadable on a TaskRun whose status.conditions is malformed", async () => {
    chains = await EmulatedChains.create();
    await chains.startController();
    chains.emu.store.seed(plainTaskRun("malformed"));
    chains.emu.store.modify("taskruns", "default", "malformed", (o) => {
      o["status"] = { conditions: "Succeeded" };
    });
    await until(() => eventsOn(chains!, "TaskRun", "malformed").length > 0, "the Event");
    expect(eventsOn(chains, "TaskRun", "malformed")[0]).toMatchObject({ type: "Warning", reason: "RunUnreadable" });
  });

  it("signs a PipelineRun whose signed children carry no link to it, reading them live, without waiting", async () => {
    chains = await EmulatedChains.create({ controller: longChildWait });
    await chains.startController();
    const { pipelineRun, taskRuns } = sampleRuns();
    const children = taskRuns.slice(2);
    chains.emu.store.seed(pipelineRun as unknown as JsonObject, ...children.map(unlinked));
    for (const child of children) chains.complete("taskruns", child.metadata.name);
    for (const child of children) expect(await chains.awaitSigned("taskruns", child.metadata.name)).toBe("true");
    chains.complete("pipelineruns", pipelineRun.metadata.name);
    expect(await chains.awaitSigned("pipelineruns", pipelineRun.metadata.name, "default", 10_000)).toBe("true");
    expect(chains.provenanceVerifies("pipelineruns", pipelineRun.metadata.name)).toBe(true);
    for (const child of children)
      expect(chains.emu.requestLog.count({ verb: "get", resource: "taskruns", name: child.metadata.name })).toBeGreaterThan(0);
    expect(eventsOn(chains, "PipelineRun", pipelineRun.metadata.name).map((e) => e.reason)).not.toContain("ChildrenMissing");
  });

  it("names a child that does not exist in a ChildrenMissing Event while the PipelineRun waits", async () => {
    chains = await EmulatedChains.create({ controller: longChildWait });
    await chains.startController();
    const { pipelineRun } = sampleRuns();
    chains.emu.store.seed(pipelineRun as unknown as JsonObject);
    chains.complete("pipelineruns", pipelineRun.metadata.name);
    await until(() => eventsOn(chains!, "PipelineRun", pipelineRun.metadata.name).some((e) => e.reason === "ChildrenMissing"), "the Event");
    const [event] = eventsOn(chains, "PipelineRun", pipelineRun.metadata.name);
    expect(event?.message).toContain("release-pipeline-run-fetch");
    expect(chains.annotations("pipelineruns", pipelineRun.metadata.name)["chains.tekton.dev/signed"]).toBeUndefined();
  });
});
