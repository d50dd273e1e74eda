/**
 * Scale-out across replicas: one backlog of completed TaskRuns drained by one `chains-ts
 * controller` process and then by two, with `buckets: 2` and every process's client held to the
 * same low QPS limit, so the API budget rather than the CPU bounds each replica. Against the
 * project's API emulator; the replicas are separate processes, as pods are. The backlog arrives
 * once the replicas hold their buckets and watch, so the figure is the drain rate, not start-up.
 */
import { spawn } from "node:child_process";
import { rm } from "node:fs/promises";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { completeRun } from "../src/adapters/memory/run-completion-mutation.ts";
import type { RunJson } from "../src/adapters/memory/run-json.ts";
import { LEADER_ELECTION_CONFIG_MAP } from "../src/domain/leader-election/leader-election-config.ts";
import { bucketLeaseNames } from "../src/domain/leader-election/lease-names.ts";
import { EmulatedChains, plainTaskRun } from "../test/kubernetes/emulated-chains.ts";
import { until } from "../test/support/until.ts";

export interface TwoReplicaScaling {
  readonly runs: number;
  readonly qps: number;
  readonly oneReplicaSeconds: number;
  readonly twoReplicaSeconds: number;
  /** How many runs each of the two replicas signed: the buckets' split of the backlog. */
  readonly signedPerReplica: ReadonlyArray<number>;
  /** One replica's drain time ÷ two replicas': 2 would be perfect scaling. */
  readonly ratio: number;
}

const cli = fileURLToPath(new URL("../bin/chains-ts", import.meta.url));

/** The reference's lease timing, so that Lease renewals take little of the QPS budget. */
const leaderElection = { buckets: "2", "lease-duration": "60s", "renew-deadline": "40s", "retry-period": "10s" };
/** Enough passes at once that waiting on the emulator of a busy machine does not bound a replica below its QPS. */
const WORKERS = 8;
const leases = [...bucketLeaseNames("TaskRun", 2), ...bucketLeaseNames("PipelineRun", 2)];

/** Seconds from the backlog's arrival to its last run signed, with `replicas` controller processes, and who signed how many. */
const drain = async (runs: number, qps: number, replicas: number): Promise<{ readonly seconds: number; readonly signedBy: ReadonlyArray<number> }> => {
  const chains = await EmulatedChains.create();
  const names = Array.from({ length: runs }, (_, i) => `backlog-${i}`);
  chains.emu.store.seed({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: LEADER_ELECTION_CONFIG_MAP, namespace: "tekton-chains" }, data: leaderElection });
  const pods = Array.from({ length: replicas }, (_, i) => `replica-${i}`);
  // Each with its own bearer token, which the request log records, to tell who signed what.
  const kubeconfigs = await Promise.all(pods.map((pod) => chains.emu.writeKubeconfig(undefined, { token: pod })));
  const processes = pods.map((pod, i) =>
    spawn(cli, ["controller", "--kubeconfig", kubeconfigs[i]!, "--kube-api-qps", String(qps), "--kube-api-burst", String(qps), "--threads-per-controller", String(WORKERS), "--health-port", "0", "--metrics-port", "0"], {
      env: { ...process.env, SYSTEM_NAMESPACE: "tekton-chains", KUBECONFIG: "", POD_NAME: pod },
      stdio: "ignore",
    }),
  );
  const exited = processes.map((child) => new Promise<void>((resolve) => child.once("exit", () => resolve())));
  try {
    const holders = () => leases.map((lease) => (chains.emu.store.get("leases", "tekton-chains", lease)?.["spec"] as { holderIdentity?: string } | undefined)?.holderIdentity);
    await until(
      () =>
        pods.every((pod) => holders().includes(pod) && chains.emu.requestLog.count({ resource: "taskruns", verb: "watch", bearerToken: pod }) > 0) &&
        holders().every((holder) => holder !== undefined && pods.includes(holder)),
      "every bucket held and every replica watching",
      120_000,
    );
    const started = performance.now();
    // Completed already when they appear, as a backlog is: one signing write each, no finalizer.
    const backlog = names.map((name) => {
      const run = plainTaskRun(name);
      completeRun("True", new Date())(run as unknown as RunJson);
      return run;
    });
    chains.emu.store.seed(...backlog);
    for (const name of names) await chains.awaitSigned("taskruns", name, undefined, 600_000);
    const seconds = (performance.now() - started) / 1000;
    const signingWriters = names.map((name) =>
      chains.runWrites("taskruns", name).find((w) => w.status < 300 && (w.body ?? "").includes('"chains.tekton.dev/signed"'))?.bearerToken,
    );
    return { seconds, signedBy: pods.map((pod) => signingWriters.filter((writer) => writer === pod).length) };
  } finally {
    for (const child of processes) child.kill("SIGTERM");
    await Promise.all(exited);
    await Promise.all(kubeconfigs.map((path) => rm(dirname(path), { recursive: true, force: true })));
    await chains.stop();
  }
};

export const measureTwoReplicaScaling = async (runs: number, qps: number): Promise<TwoReplicaScaling> => {
  const one = await drain(runs, qps, 1);
  const two = await drain(runs, qps, 2);
  return {
    runs,
    qps,
    oneReplicaSeconds: one.seconds,
    twoReplicaSeconds: two.seconds,
    signedPerReplica: two.signedBy,
    ratio: one.seconds / two.seconds,
  };
};
