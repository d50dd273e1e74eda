import { afterEach, describe, expect, it } from "vitest";
import type { RunJson } from "../../src/adapters/memory/run-json.ts";
import { sampleRuns } from "../../src/app/demo/sample-runs.ts";
import type { JsonObject } from "../support/kube-api-emulator/index.ts";
import { EmulatedChains, NAMESPACE, plainTaskRun, type RunResource, until } from "./emulated-chains.ts";

let chains: EmulatedChains | undefined;
afterEach(async () => {
  await chains?.stop();
  chains = undefined;
});

/** Requests the controller sent about one run (its own object only: not lists, watches or Events). */
const callsOn = (c: EmulatedChains, resource: RunResource, name: string) => ({
  patch: c.emu.requestLog.count({ verb: "patch", resource, namespace: NAMESPACE, name }),
  get: c.emu.requestLog.count({ verb: "get", resource, namespace: NAMESPACE, name }),
  otherWrites: c.emu.requestLog.writes({ resource, namespace: NAMESPACE, name }).filter((w) => w.method !== "PATCH").length,
});

const asSeed = (run: RunJson): JsonObject => run as unknown as JsonObject;

describe("API calls per run (issue 14)", () => {
  it("signs a backlog TaskRun with one PATCH and no GET", async () => {
    chains = await EmulatedChains.create();
    chains.emu.store.seed(plainTaskRun("backlog"));
    chains.complete("taskruns", "backlog");
    await chains.startController();
    expect(await chains.awaitSigned("taskruns", "backlog")).toBe("true");
    // Stopping waits for every pass in flight: nothing is sent after this.
    await chains.stopController();
    expect(callsOn(chains, "taskruns", "backlog")).toEqual({ patch: 1, get: 0, otherWrites: 0 });
    expect(chains.finalizers("taskruns", "backlog")).toEqual([]);
    expect(chains.provenanceVerifies("taskruns", "backlog")).toBe(true);
  });

  it("signs a backlog PipelineRun and its 2 children with 3 PATCHes and no GET", async () => {
    chains = await EmulatedChains.create();
    const { taskRuns, pipelineRun } = sampleRuns();
    const children = taskRuns.slice(2);
    chains.emu.store.seed(asSeed(pipelineRun), ...children.map(asSeed));
    for (const child of children) chains.complete("taskruns", child.metadata.name);
    chains.complete("pipelineruns", pipelineRun.metadata.name);
    await chains.startController();
    for (const child of children) expect(await chains.awaitSigned("taskruns", child.metadata.name)).toBe("true");
    expect(await chains.awaitSigned("pipelineruns", pipelineRun.metadata.name)).toBe("true");
    await chains.stopController();
    const calls = [callsOn(chains, "pipelineruns", pipelineRun.metadata.name), ...children.map((c) => callsOn(chains!, "taskruns", c.metadata.name))];
    expect(calls).toEqual(Array.from({ length: 3 }, () => ({ patch: 1, get: 0, otherWrites: 0 })));
    expect(chains.provenanceVerifies("pipelineruns", pipelineRun.metadata.name)).toBe(true);
  });

  it("signs a TaskRun that completes while watched with at most 2 PATCHes and no GET, leaving no finalizer", async () => {
    chains = await EmulatedChains.create();
    await chains.startController();
    chains.emu.store.seed(plainTaskRun("watched"));
    await until(() => chains!.finalizers("taskruns", "watched").includes("chains.tekton.dev/taskrun"), "the finalizer");
    chains.complete("taskruns", "watched");
    expect(await chains.awaitSigned("taskruns", "watched")).toBe("true");
    await chains.stopController();
    const calls = callsOn(chains, "taskruns", "watched");
    expect(calls.patch).toBeLessThanOrEqual(2);
    expect(calls).toMatchObject({ get: 0, otherWrites: 0 });
    expect(chains.finalizers("taskruns", "watched")).toEqual([]);
    expect(chains.provenanceVerifies("taskruns", "watched")).toBe(true);
  });
});
