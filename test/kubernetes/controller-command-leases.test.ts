import { describe, expect, it } from "vitest";
import { completeRun } from "../../src/adapters/memory/run-completion-mutation.ts";
import type { RunJson } from "../../src/adapters/memory/run-json.ts";
import { BucketSet } from "../../src/domain/leader-election/bucket-set.ts";
import { bucketLeaseNames, leaseNameFor } from "../../src/domain/leader-election/lease-names.ts";
import { findManifest, releaseManifests } from "../deploy/deploy-manifests.ts";
import type { JsonObject } from "../support/kube-api-emulator/index.ts";
import { plainTaskRun } from "./emulated-chains.ts";
import { until } from "../support/until.ts";
import { controllerProcesses, leaseHolder, logLines } from "./controller-process.ts";

const cp = controllerProcesses();
const { launch, setUp } = cp;

describe("chains-ts controller Leases", () => {
  it("takes its Leases back at once when its container restarts after SIGKILL (same POD_NAME)", async () => {
    const { kubeconfig, secrets } = await setUp({});
    const e = cp.emulator();
    // The code's default lease of 60 s: a new identity would have to wait all of it out.
    const pod = { POD_NAME: "chains-pod-1", POD_UID: "5d0e2b7a" };
    const args = ["--kubeconfig", kubeconfig, "--signing-secrets", secrets];
    launch(args, pod);
    await until(() => leaseHolder(e, "TaskRun") !== "" && leaseHolder(e, "PipelineRun") !== "", "the leader Leases", 60_000);
    const holder = leaseHolder(e, "TaskRun");
    cp.lastChild().kill("SIGKILL");
    e.store.seed(plainTaskRun("after-restart"));
    e.store.modify("taskruns", "default", "after-restart", (o) => completeRun("True", new Date())(o as unknown as RunJson));
    const restarted = launch(args, pod);
    const restartedAt = Date.now();
    // Under the 60 s lease, however long a loaded machine takes to start the process: a new
    // identity would have to wait the whole lease out.
    const underTheLease = 50_000;
    await until(
      () => (e.store.get("taskruns", "default", "after-restart")?.["metadata"] as { annotations?: Record<string, string> }).annotations?.["chains.tekton.dev/signed"] === "true",
      "the run signed by the restarted process",
      underTheLease,
    );
    expect(Date.now() - restartedAt).toBeLessThan(underTheLease);
    expect(leaseHolder(e, "TaskRun")).toBe(holder);
    expect(leaseHolder(e, "PipelineRun")).toBe(holder);
    expect(logLines(restarted.stdout()).some((line) => line.message.includes("this pod's previous process"))).toBe(true);
    cp.lastChild().kill("SIGTERM");
    expect(await restarted.exited).toBe(0);
  }, 180_000);

  it("hands over to the standby within 20 s of SIGKILL with the leader-election values deploy/ ships", async () => {
    const { kubeconfig, secrets } = await setUp({});
    const e = cp.emulator();
    const shipped = findManifest(releaseManifests(), "ConfigMap", "tekton-chains-config-leader-election");
    e.store.seed(shipped as unknown as JsonObject);
    const args = ["--kubeconfig", kubeconfig, "--signing-secrets", secrets];
    const replicas = [launch(args, { POD_NAME: "chains-a", POD_UID: "1" }), launch(args, { POD_NAME: "chains-b", POD_UID: "2" })];
    const pods = ["chains-a_1", "chains-b_2"];
    await until(() => pods.includes(leaseHolder(e, "TaskRun")) && leaseHolder(e, "PipelineRun") === leaseHolder(e, "TaskRun"), "one replica to hold both Leases", 30_000);
    const leader = pods.indexOf(leaseHolder(e, "TaskRun"));
    const standby = pods[1 - leader]!;
    // Let the standby watch renewals, as it would in a running install: the leader renews every
    // retry-period, and the standby reads the Lease as often.
    const renewTime = () => (e.store.get("leases", "tekton-chains", leaseNameFor("TaskRun"))?.["spec"] as { renewTime?: string } | undefined)?.renewTime;
    for (let renewal = 1; renewal <= 2; renewal++) {
      const before = renewTime();
      await until(() => renewTime() !== before, `renewal ${renewal} of the leader's Lease`);
    }
    replicas[leader]!.process.kill("SIGKILL");
    const killedAt = Date.now();
    e.store.seed(plainTaskRun("after-takeover"));
    e.store.modify("taskruns", "default", "after-takeover", (o) => completeRun("True", new Date())(o as unknown as RunJson));
    await until(() => leaseHolder(e, "TaskRun") === standby && leaseHolder(e, "PipelineRun") === standby, "the standby to hold both Leases", 40_000);
    const takeoverMs = Date.now() - killedAt;
    await until(
      () => (e.store.get("taskruns", "default", "after-takeover")?.["metadata"] as { annotations?: Record<string, string> }).annotations?.["chains.tekton.dev/signed"] === "true",
      "the run signed by the standby",
      20_000,
    );
    const signedMs = Date.now() - killedAt;
    // 20 s is the goal (about 15 s measured); the slack absorbs a loaded test machine.
    expect(takeoverMs, "ms from SIGKILL to the standby holding both Leases").toBeLessThan(20_000 + 5_000);
    expect(signedMs, "ms from SIGKILL to the first run signed by the standby").toBeLessThan(20_000 + 8_000);
  }, 180_000);

  it("holds the Lease of every bucket the leader-election ConfigMap names, and signs the runs of all of them", async () => {
    const { kubeconfig, secrets } = await setUp({});
    const e = cp.emulator();
    e.store.seed({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "tekton-chains-config-leader-election", namespace: "tekton-chains" },
      data: { buckets: "3", "lease-duration": "3s", "renew-deadline": "2s", "retry-period": "200ms" },
    });
    const names = Array.from({ length: 10 }, (_, i) => `bucketed-${i}`);
    const buckets = new BucketSet(bucketLeaseNames("TaskRun", 3));
    expect(new Set(names.map((name) => buckets.owner(`default/${name}`))).size).toBe(3);
    for (const name of names) {
      e.store.seed(plainTaskRun(name));
      e.store.modify("taskruns", "default", name, (o) => completeRun("True", new Date())(o as unknown as RunJson));
    }
    launch(["--kubeconfig", kubeconfig, "--signing-secrets", secrets], { POD_NAME: "chains-pod-1" });
    const leases = [...bucketLeaseNames("TaskRun", 3), ...bucketLeaseNames("PipelineRun", 3)];
    const holders = () => leases.map((lease) => (e.store.get("leases", "tekton-chains", lease)?.["spec"] as { holderIdentity?: string } | undefined)?.holderIdentity);
    await until(() => holders().every((holder) => holder === "chains-pod-1"), "all six bucket Leases", 60_000);
    const signed = (name: string) => (e.store.get("taskruns", "default", name)?.["metadata"] as { annotations?: Record<string, string> }).annotations?.["chains.tekton.dev/signed"];
    await until(() => names.every((name) => signed(name) === "true"), "every run signed", 60_000);
    expect(e.store.get("leases", "tekton-chains", leaseNameFor("TaskRun"))).toBeUndefined();
  }, 180_000);
});
