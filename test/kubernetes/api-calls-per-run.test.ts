import { afterEach, describe, expect, it } from "vitest";
import { sampleRuns } from "../../src/app/demo/sample-runs.ts";
import { apiCallScenarios } from "./api-call-scenarios.ts";
import { EmulatedChains } from "./emulated-chains.ts";

let chains: EmulatedChains | undefined;
afterEach(async () => {
  await chains?.stop();
  chains = undefined;
});

const signedAndVerified = (c: EmulatedChains, resource: "taskruns" | "pipelineruns", name: string) => ({
  signed: c.annotations(resource, name)["chains.tekton.dev/signed"],
  finalizers: c.finalizers(resource, name),
  verifies: c.provenanceVerifies(resource, name),
});

describe("API calls per run (issue 14)", () => {
  it("signs a backlog TaskRun with one PATCH and no GET", async () => {
    chains = await EmulatedChains.create();
    expect(await apiCallScenarios.backlogTaskRun(chains)).toMatchObject({ patch: 1, get: 0, otherWrites: 0 });
    expect(signedAndVerified(chains, "taskruns", "backlog")).toEqual({ signed: "true", finalizers: [], verifies: true });
  });

  it("signs a backlog PipelineRun and its 2 children with 3 PATCHes and no GET", async () => {
    chains = await EmulatedChains.create();
    const calls = await apiCallScenarios.backlogPipelineRun(chains);
    expect(calls.map(({ patch, get, otherWrites }) => ({ patch, get, otherWrites }))).toEqual(
      Array.from({ length: 3 }, () => ({ patch: 1, get: 0, otherWrites: 0 })),
    );
    expect(signedAndVerified(chains, "pipelineruns", sampleRuns().pipelineRun.metadata.name)).toEqual({ signed: "true", finalizers: [], verifies: true });
  });

  it("signs a TaskRun that completes while watched with at most 2 PATCHes, no GET and no Event, leaving no finalizer", async () => {
    chains = await EmulatedChains.create();
    const calls = await apiCallScenarios.watchedTaskRun(chains);
    expect(calls.patch).toBeLessThanOrEqual(2);
    expect(calls).toMatchObject({ get: 0, otherWrites: 0, events: 0 });
    expect(signedAndVerified(chains, "taskruns", "watched")).toEqual({ signed: "true", finalizers: [], verifies: true });
  });
});
