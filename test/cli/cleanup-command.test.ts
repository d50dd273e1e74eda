import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CHAINS_FINALIZERS } from "../../src/domain/annotations/chains-annotations.ts";
import { chainsFinalizerRemoval } from "../../src/domain/run/finalizer-removal.ts";
import { applyJsonPatch } from "../support/kube-api-emulator/json-patch.ts";
import { startKubeApiEmulator, type KubeApiEmulator } from "../support/kube-api-emulator/index.ts";
import { findKubectl, kubectlFor } from "../kube-emulator/kubectl.ts";
import { runCommandLine } from "../support/command-output.ts";
import { describeWithTools } from "../support/independent-verifiers.ts";

const cli = fileURLToPath(new URL("../../bin/chains-ts", import.meta.url));
const env = { KUBECONFIG: "" };
const chainsTs = (args: ReadonlyArray<string>) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(cli, args, { env: { ...process.env, ...env } }, (error, stdout, stderr) =>
      resolve({ code: error === null ? 0 : typeof error.code === "number" ? error.code : -1, stdout, stderr }),
    );
  });

describe("chainsFinalizerRemoval", () => {
  // Applying the patch to the list it was made from leaves exactly the non-Chains finalizers, in order.
  it("removes exactly the Chains finalizers", () => {
    const finalizer = fc.oneof(fc.constantFrom(...CHAINS_FINALIZERS, "chains.tekton.dev/other", "kubernetes"), fc.string());
    fc.assert(
      fc.property(fc.array(finalizer, { maxLength: 8 }), (finalizers) => {
        const removal = chainsFinalizerRemoval(finalizers);
        const kept = finalizers.filter((f) => !CHAINS_FINALIZERS.includes(f));
        if (removal === undefined) {
          expect(kept).toEqual(finalizers);
          return;
        }
        const patched = applyJsonPatch({ metadata: { finalizers } }, removal.patch) as { metadata: { finalizers: string[] } };
        expect(patched.metadata.finalizers).toEqual(kept);
        expect(removal.removed).toEqual(finalizers.filter((f) => CHAINS_FINALIZERS.includes(f)));
      }),
    );
  });
});

let dir = "";
let emu: KubeApiEmulator;
let kubeconfig = "";
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "chains-cleanup-"));
  emu = await startKubeApiEmulator();
  kubeconfig = await emu.writeKubeconfig(dir);
});
afterEach(async () => {
  await emu.stop();
  await rm(dir, { recursive: true, force: true });
});

const seedRun = (kind: "TaskRun" | "PipelineRun", namespace: string, name: string, finalizers: ReadonlyArray<string>) =>
  emu.store.seed({ apiVersion: "tekton.dev/v1", kind, metadata: { name, namespace, uid: `uid-${name}`, finalizers: [...finalizers] } });
const finalizersOf = (plural: string, namespace: string, name: string) =>
  (emu.store.get(plural, namespace, name)?.["metadata"] as { finalizers?: string[] } | undefined)?.finalizers ?? [];

/** Runs in two namespaces: Chains finalizers mixed with others, one being deleted. */
const seedCluster = () => {
  seedRun("TaskRun", "a", "mixed", ["example.com/keep", "chains.tekton.dev/taskrun", "kubernetes"]);
  seedRun("TaskRun", "a", "legacy", ["chains.tekton.dev"]);
  seedRun("TaskRun", "a", "foreign", ["example.com/keep", "chains.tekton.dev/other"]);
  seedRun("PipelineRun", "a", "deleting", ["chains.tekton.dev/pipelinerun"]);
  emu.store.delete("pipelineruns", "a", "deleting");
  seedRun("PipelineRun", "b", "other-ns", ["chains.tekton.dev/pipelinerun", "example.com/keep"]);
};

describe("chains-ts cleanup", () => {
  it("removes only Chains finalizers, says what it removed, and lets runs being deleted go", { timeout: 60_000 }, async () => {
    seedCluster();
    expect(emu.store.get("pipelineruns", "a", "deleting")).toBeDefined();
    const result = await chainsTs(["cleanup", "--kubeconfig", kubeconfig]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout.trimEnd().split("\n").toSorted()).toEqual(
      [
        "removed chains.tekton.dev/taskrun from TaskRun a/mixed",
        "removed chains.tekton.dev from TaskRun a/legacy",
        "removed chains.tekton.dev/pipelinerun from PipelineRun a/deleting",
        "removed chains.tekton.dev/pipelinerun from PipelineRun b/other-ns",
        "removed 4 Chains finalizers from 4 runs in all namespaces",
      ].toSorted(),
    );
    expect(finalizersOf("taskruns", "a", "mixed")).toEqual(["example.com/keep", "kubernetes"]);
    expect(finalizersOf("taskruns", "a", "legacy")).toEqual([]);
    expect(finalizersOf("taskruns", "a", "foreign")).toEqual(["example.com/keep", "chains.tekton.dev/other"]);
    expect(emu.store.get("pipelineruns", "a", "deleting")).toBeUndefined();
    expect(finalizersOf("pipelineruns", "b", "other-ns")).toEqual(["example.com/keep"]);
    const patches = emu.requestLog.writes({ resource: "taskruns" }).concat(emu.requestLog.writes({ resource: "pipelineruns" }));
    expect(patches.length).toBe(4);
    for (const patch of patches) {
      expect(patch.contentType).toContain("application/json-patch+json");
      const operations = JSON.parse(String(patch.body)) as Array<{ op: string }>;
      expect(operations.map((o) => o.op)).toEqual(["test", "remove"]);
    }
  });

  // In this process, as main.ts runs it: the test above and the kubectl one start bin/chains-ts.
  it("-n limits it to one namespace; --dry-run changes nothing", { timeout: 60_000 }, async () => {
    seedCluster();
    const dry = await runCommandLine(["cleanup", "-n", "b", "--dry-run", "--kubeconfig", kubeconfig], env);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toBe(
      "would remove chains.tekton.dev/pipelinerun from PipelineRun b/other-ns\nwould remove 1 Chains finalizers from 1 runs in namespace b\n",
    );
    expect(finalizersOf("pipelineruns", "b", "other-ns")).toEqual(["chains.tekton.dev/pipelinerun", "example.com/keep"]);
    const real = await runCommandLine(["cleanup", "-n", "b", "--kubeconfig", kubeconfig], env);
    expect(real.code).toBe(0);
    expect(finalizersOf("pipelineruns", "b", "other-ns")).toEqual(["example.com/keep"]);
    expect(finalizersOf("taskruns", "a", "mixed")).toContain("chains.tekton.dev/taskrun");
  });

  it("re-reads and retries a run whose finalizers changed between the list and the patch", { timeout: 60_000 }, async () => {
    seedRun("TaskRun", "a", "racing", ["chains.tekton.dev/taskrun", "example.com/keep"]);
    // As if another client reordered the list after cleanup listed it: the first patch's test fails.
    emu.faults.add({ match: { verb: "patch", resource: "taskruns" }, times: 1, respond: { status: 422 } });
    const result = await runCommandLine(["cleanup", "--kubeconfig", kubeconfig], env);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("removed chains.tekton.dev/taskrun from TaskRun a/racing");
    expect(finalizersOf("taskruns", "a", "racing")).toEqual(["example.com/keep"]);
  });
});

describeWithTools("kubectl")("chains-ts cleanup, checked with kubectl", () => {
  it("leaves no Chains finalizer kubectl can see", { timeout: 60_000 }, async () => {
    const binary = findKubectl();
    if (binary === undefined) throw new Error("kubectl is not on PATH");
    const kubectl = kubectlFor(binary, kubeconfig, join(dir, "cache"));
    seedCluster();
    expect((await runCommandLine(["cleanup", "--kubeconfig", kubeconfig], env)).code).toBe(0);
    for (const plural of ["taskruns", "pipelineruns"]) {
      const listed = await kubectl.run(["get", plural, "-A", "-o", "json"]);
      expect(listed.code, listed.stderr).toBe(0);
      const items = (JSON.parse(listed.stdout) as { items: Array<{ metadata: { finalizers?: string[] } }> }).items;
      expect(items.length).toBeGreaterThan(0);
      for (const item of items) for (const f of item.metadata.finalizers ?? []) expect(CHAINS_FINALIZERS).not.toContain(f);
    }
  });
});
