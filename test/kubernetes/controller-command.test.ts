import { describe, expect, it } from "vitest";
import { completeRun } from "../../src/adapters/memory/run-completion-mutation.ts";
import type { RunJson } from "../../src/adapters/memory/run-json.ts";
import { plainTaskRun } from "./emulated-chains.ts";
import { until } from "../support/until.ts";
import { controllerProcesses, leaseHolder, logLines } from "./controller-process.ts";

const cp = controllerProcesses();
const { launch, setUp } = cp;

describe("chains-ts controller", () => {
  it("signs runs through the API server and stops gracefully on SIGTERM", async () => {
    const { kubeconfig, secrets } = await setUp({});
    const e = cp.emulator();
    e.store.seed(plainTaskRun("a"));
    const started = launch(["--kubeconfig", kubeconfig, "--signing-secrets", secrets, "--threads-per-controller", "1", "--kube-api-qps", "50"], { POD_NAME: "chains-pod-1", POD_UID: "0f6c" });
    await until(() => started.stdout().includes("chains-ts controller started"), "the start-up line", 60_000);
    await until(() => leaseHolder(e, "TaskRun") === "chains-pod-1_0f6c" && leaseHolder(e, "PipelineRun") === "chains-pod-1_0f6c", "the leader Leases", 60_000);
    e.store.modify("taskruns", "default", "a", (o) => completeRun("True", new Date())(o as unknown as RunJson));
    await until(
      () => (e.store.get("taskruns", "default", "a")?.["metadata"] as { annotations?: Record<string, string> }).annotations?.["chains.tekton.dev/signed"] === "true",
      "the run signed",
      60_000,
    );
    cp.lastChild().kill("SIGTERM");
    expect(await started.exited).toBe(0);
    const lines = started.stdout().trim().split("\n").map((line) => JSON.parse(line) as { message: string });
    expect(lines.at(-1)?.message).toBe("stopped");
    // Handed back, so a standby need not wait out the lease.
    expect(leaseHolder(e, "TaskRun")).toBe("");
    expect(leaseHolder(e, "PipelineRun")).toBe("");
  }, 180_000);

  it("signs without Leases under --disable-ha, and refuses an invalid leader-election ConfigMap naming the key", async () => {
    const { kubeconfig, secrets } = await setUp({});
    const e = cp.emulator();
    e.store.seed(plainTaskRun("solo"));
    e.store.modify("taskruns", "default", "solo", (o) => completeRun("True", new Date())(o as unknown as RunJson));
    const solo = launch(["--kubeconfig", kubeconfig, "--signing-secrets", secrets, "--disable-ha"]);
    await until(
      () => (e.store.get("taskruns", "default", "solo")?.["metadata"] as { annotations?: Record<string, string> }).annotations?.["chains.tekton.dev/signed"] === "true",
      "the run signed",
      60_000,
    );
    cp.lastChild().kill("SIGTERM");
    expect(await solo.exited).toBe(0);
    expect(e.requestLog.count({ resource: "leases" })).toBe(0);

    e.store.seed({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "tekton-chains-config-leader-election", namespace: "tekton-chains" }, data: { "lease-duration": "soon" } });
    const refused = launch(["--kubeconfig", kubeconfig, "--signing-secrets", secrets]);
    expect(await refused.exited).toBe(1);
    expect(refused.stderr()).toContain('invalid value "soon" for key "lease-duration"');
  }, 180_000);

  it("exits 1 naming the key when chains-config is invalid at start-up", async () => {
    const { kubeconfig, secrets } = await setUp({ "artifacts.taskrun.format": "bogus" });
    const started = launch(["--kubeconfig", kubeconfig, "--signing-secrets", secrets]);
    expect(await started.exited).toBe(1);
    expect(started.stderr()).toContain("artifacts.taskrun.format");
  }, 180_000);

  it("rides out API errors on every start-up read, logging what it waits for, and signs", async () => {
    const { kubeconfig, secrets } = await setUp({});
    const e = cp.emulator();
    e.store.seed(plainTaskRun("after-errors"));
    e.faults.add({ match: { method: "GET", pathRegex: "^/apis$" }, times: 1, respond: { status: 503 } });
    e.faults.add({ match: { verb: "get", resource: "configmaps", name: "tekton-chains-config-leader-election" }, times: 2, respond: { status: 500 } });
    e.faults.add({ match: { verb: "list", resource: "configmaps" }, times: 1, respond: { status: 500 } });
    const started = launch(["--kubeconfig", kubeconfig, "--signing-secrets", secrets], { POD_NAME: "chains-pod-1" });
    await until(() => started.stdout().includes("chains-ts controller started"), "the start-up line", 60_000);
    e.store.modify("taskruns", "default", "after-errors", (o) => completeRun("True", new Date())(o as unknown as RunJson));
    await until(
      () => (e.store.get("taskruns", "default", "after-errors")?.["metadata"] as { annotations?: Record<string, string> }).annotations?.["chains.tekton.dev/signed"] === "true",
      "the run signed",
      60_000,
    );
    const waits = logLines(started.stdout()).filter((line) => line.level === "WARN" && line.message.startsWith("waiting for "));
    expect(waits.some((line) => line.message.includes("API discovery") && line.message.includes("503"))).toBe(true);
    expect(waits.filter((line) => line.message.includes("tekton-chains/tekton-chains-config-leader-election") && line.message.includes("500"))).toHaveLength(2);
    cp.lastChild().kill("SIGTERM");
    expect(await started.exited).toBe(0);
  }, 180_000);

  it("stops with status 0 on SIGTERM while it waits for the API at start-up", async () => {
    const { kubeconfig, secrets } = await setUp({});
    const e = cp.emulator();
    e.faults.add({ match: { verb: "get", resource: "configmaps", name: "tekton-chains-config-leader-election" }, times: Infinity, respond: { status: 500 } });
    const started = launch(["--kubeconfig", kubeconfig, "--signing-secrets", secrets]);
    await until(() => started.stdout().includes("waiting for ConfigMap tekton-chains/tekton-chains-config-leader-election"), "a wait line", 60_000);
    cp.lastChild().kill("SIGTERM");
    expect(await started.exited).toBe(0);
    expect(logLines(started.stdout()).at(-1)?.message).toBe("stopped");
    expect(started.stdout()).not.toContain("chains-ts controller started");
  }, 180_000);
});
