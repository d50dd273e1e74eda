import { afterEach, describe, expect, it } from "vitest";
import { bucketLeaseNames } from "../../src/domain/leader-election/lease-names.ts";
import { EmulatedChains, NAMESPACE, plainTaskRun, type Replica } from "./emulated-chains.ts";
import { until } from "../support/until.ts";

let chains: EmulatedChains | undefined;
afterEach(async () => {
  await chains?.stop();
  chains = undefined;
});

/**
 * Short enough for a test. The retry period is what a replica holding a bucket waits before taking
 * a second free one, so it is long next to how far apart two replicas start on a busy machine.
 */
const timing = { leaseDurationMs: 6_000, renewDeadlineMs: 4_000, retryPeriodMs: 2_000 };

const holder = (c: EmulatedChains, lease: string): string | undefined =>
  (c.emu.store.get("leases", "tekton-chains", lease)?.["spec"] as { holderIdentity?: string } | undefined)?.holderIdentity;

/** Accepted writes that set `chains.tekton.dev/signed`, by run name. */
const signingWrites = (c: EmulatedChains, name: string) =>
  c.runWrites("taskruns", name).filter((w) => w.status >= 200 && w.status < 300 && (w.body ?? "").includes('"chains.tekton.dev/signed"'));

/** The runs whose signature a replica's client wrote (its bearer token is its name). */
const signedBy = (c: EmulatedChains, replica: Replica, names: ReadonlyArray<string>) =>
  names.filter((name) => signingWrites(c, name).some((w) => w.bearerToken === replica.name));

const completeRuns = (c: EmulatedChains, names: ReadonlyArray<string>) => {
  for (const name of names) c.emu.store.seed(plainTaskRun(name));
  for (const name of names) c.complete("taskruns", name);
};

describe("two replicas sharing two buckets", () => {
  it("each signs the runs of its bucket, and the survivor takes a dead replica's bucket over and signs the rest", async () => {
    chains = await EmulatedChains.create();
    const [a, b] = await Promise.all([chains.startReplica("replica-a", timing, 2), chains.startReplica("replica-b", timing, 2)]);
    const taskRunLeases = bucketLeaseNames("TaskRun", 2);
    const pipelineRunLeases = bucketLeaseNames("PipelineRun", 2);
    await until(() => [...taskRunLeases, ...pipelineRunLeases].every((lease) => holder(chains!, lease) !== undefined), "all four Leases to be held", 30_000);
    await until(() => a.leadership.heldLeases("TaskRun").length === 1 && b.leadership.heldLeases("TaskRun").length === 1, "one bucket each", 30_000);
    const aBucket = a.leadership.heldLeases("TaskRun")[0]!;
    expect(holder(chains, pipelineRunLeases[taskRunLeases.indexOf(aBucket)]!)).toBe(a.name);

    const first = Array.from({ length: 16 }, (_, i) => `first-${i}`);
    completeRuns(chains, first);
    for (const name of first) expect(await chains.awaitSigned("taskruns", name, NAMESPACE, 30_000)).toBe("true");
    const aRuns = first.filter((name) => a.leadership.leads("TaskRun", { namespace: NAMESPACE, name }));
    // knative's hash puts some of 16 runs in each bucket (fixed names, so this is not luck).
    expect(aRuns.length).toBeGreaterThan(0);
    expect(aRuns.length).toBeLessThan(first.length);
    expect(signedBy(chains, a, first)).toEqual(aRuns);
    expect(signedBy(chains, b, first)).toEqual(first.filter((name) => !aRuns.includes(name)));

    await a.crash();
    const second = Array.from({ length: 16 }, (_, i) => `second-${i}`);
    completeRuns(chains, second);
    await until(() => b.leadership.heldLeases("TaskRun").length === 2, "the survivor to hold both buckets", 30_000);
    for (const name of second) expect(await chains.awaitSigned("taskruns", name, NAMESPACE, 30_000)).toBe("true");
    expect(signedBy(chains, b, second)).toEqual(second);
    for (const name of [...first, ...second]) {
      expect(signingWrites(chains, name)).toHaveLength(1);
      expect(chains.provenanceVerifies("taskruns", name)).toBe(true);
    }
  });
});
