/**
 * Scale-out across replicas: one backlog of completed TaskRuns drained by one replica and then by
 * two, with `buckets: 2` and every replica's client held to the same low QPS limit, so the API
 * budget rather than the CPU bounds each replica. Against the project's API emulator.
 */
import { EmulatedChains, plainTaskRun } from "../test/kubernetes/emulated-chains.ts";

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

const BUCKETS = 2;
/** The reference's lease timing, so Lease renewals take little of the QPS budget. */
const timing = { leaseDurationMs: 60_000, renewDeadlineMs: 40_000, retryPeriodMs: 10_000 };

/** Seconds from starting `replicas` replicas to every run of the backlog signed, and who signed how many. */
const drain = async (runs: number, qps: number, replicas: number): Promise<{ readonly seconds: number; readonly signedBy: ReadonlyArray<number> }> => {
  const chains = await EmulatedChains.create({ adapter: { qps, burst: qps } });
  try {
    const names = Array.from({ length: runs }, (_, i) => `backlog-${i}`);
    for (const name of names) {
      chains.emu.store.seed(plainTaskRun(name));
      chains.complete("taskruns", name);
    }
    const started = performance.now();
    const running = await Promise.all(Array.from({ length: replicas }, (_, i) => chains.startReplica(`replica-${i}`, timing, BUCKETS)));
    for (const name of names) await chains.awaitSigned("taskruns", name, undefined, 600_000);
    const seconds = (performance.now() - started) / 1000;
    const signedBy = running.map(
      (replica) =>
        names.filter((name) =>
          chains
            .runWrites("taskruns", name)
            .some((w) => w.bearerToken === replica.name && w.status < 300 && (w.body ?? "").includes('"chains.tekton.dev/signed"')),
        ).length,
    );
    return { seconds, signedBy };
  } finally {
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
