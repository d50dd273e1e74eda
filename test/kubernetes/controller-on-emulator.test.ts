import { afterEach, describe, expect, it } from "vitest";
import { sampleRuns } from "../../src/app/demo/sample-runs.ts";
import type { JsonObject } from "../support/kube-api-emulator/index.ts";
import { EmulatedChains, imageTaskRun, plainTaskRun } from "./emulated-chains.ts";
import { until } from "../support/until.ts";

let chains: EmulatedChains | undefined;
afterEach(async () => {
  await chains?.stop();
  chains = undefined;
});

/** Writes the API server accepted. */
const applied = (writes: ReadonlyArray<{ readonly status: number }>) => writes.filter((w) => w.status >= 200 && w.status < 300).length;

const names = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);

describe("the controller on the Kubernetes adapter", () => {
  it("signs every completed TaskRun and PipelineRun, with at most two writes per run", async () => {
    chains = await EmulatedChains.create();
    const backlog = names("backlog", 3);
    for (const name of backlog) chains.emu.store.seed(plainTaskRun(name));
    for (const name of backlog) chains.complete("taskruns", name);
    await chains.startController();

    const live = names("live", 4);
    for (const name of live) chains.emu.store.seed(plainTaskRun(name));
    chains.emu.store.seed(imageTaskRun("with-image"));
    const { pipelineRun, taskRuns } = sampleRuns();
    chains.emu.store.seed(pipelineRun as unknown as JsonObject, ...taskRuns.slice(2).map((t) => t as unknown as JsonObject));
    await until(() => chains!.finalizers("taskruns", "live-3").length > 0, "the finalizer on a running TaskRun");
    for (const name of [...live, "with-image"]) chains.complete("taskruns", name);
    for (const child of taskRuns.slice(2)) chains.complete("taskruns", child.metadata.name);
    chains.complete("pipelineruns", pipelineRun.metadata.name);

    for (const name of [...backlog, ...live, "with-image", ...taskRuns.slice(2).map((t) => t.metadata.name)]) {
      expect(await chains.awaitSigned("taskruns", name)).toBe("true");
      expect(chains.provenanceVerifies("taskruns", name)).toBe(true);
      expect(applied(chains.runWrites("taskruns", name))).toBeLessThanOrEqual(2);
      // A finalizer write that raced with Tekton's status update is refused (409) and redone: nothing else.
      expect(chains.runWrites("taskruns", name).filter((w) => w.status >= 300).every((w) => w.status === 409)).toBe(true);
      expect(chains.finalizers("taskruns", name)).not.toContain("chains.tekton.dev/taskrun");
    }
    expect(await chains.awaitSigned("pipelineruns", pipelineRun.metadata.name)).toBe("true");
    expect(chains.provenanceVerifies("pipelineruns", pipelineRun.metadata.name)).toBe(true);
    expect(applied(chains.runWrites("pipelineruns", pipelineRun.metadata.name))).toBeLessThanOrEqual(2);
    // The backlog was complete before start: no finalizer, one write.
    for (const name of backlog) expect(chains.runWrites("taskruns", name)).toHaveLength(1);
    // Every write is a JSON merge patch.
    expect(new Set(chains.emu.requestLog.writes({ resource: "taskruns" }).map((w) => w.contentType))).toEqual(
      new Set(["application/merge-patch+json"]),
    );
    expect(chains.oci.stored().length).toBeGreaterThan(0);
  });

  it("signs again, from the watch and with no GET, a run held only as settled whose signature annotations are removed", async () => {
    chains = await EmulatedChains.create();
    chains.emu.store.seed(plainTaskRun("resigned"));
    chains.complete("taskruns", "resigned");
    await chains.startController();
    expect(await chains.awaitSigned("taskruns", "resigned")).toBe("true");
    await until(() => chains!.running!.controller.heldRunObjects() === 0, "the signed run let go");
    const signatureKey = Object.keys(chains.annotations("taskruns", "resigned")).find((key) => key.startsWith("chains.tekton.dev/signature-"));
    chains.emu.store.modify("taskruns", "default", "resigned", (o) => {
      const metadata = o["metadata"] as { annotations: Record<string, string> };
      metadata.annotations = Object.fromEntries(Object.entries(metadata.annotations).filter(([key]) => !key.startsWith("chains.tekton.dev/")));
    });
    expect(await chains.awaitSigned("taskruns", "resigned")).toBe("true");
    expect(chains.provenanceVerifies("taskruns", "resigned")).toBe(true);
    expect(Object.keys(chains.annotations("taskruns", "resigned"))).toContain(signatureKey);
    expect(chains.emu.requestLog.count({ verb: "get", resource: "taskruns", name: "resigned" })).toBe(0);
  });
});
