import { afterEach, describe, expect, it } from "vitest";
import { sampleRuns } from "../../src/app/demo/sample-runs.ts";
import { leaseNameFor } from "../../src/domain/leader-election/lease-names.ts";
import type { JsonObject } from "../support/kube-api-emulator/index.ts";
import { EmulatedChains, plainTaskRun, type Replica } from "./emulated-chains.ts";
import { until } from "../support/until.ts";

let chains: EmulatedChains | undefined;
afterEach(async () => {
  await chains?.stop();
  chains = undefined;
});

/** Short enough for a test, in the reference's proportions (60 s / 40 s / 10 s). */
const timing = { leaseDurationMs: 3_000, renewDeadlineMs: 2_000, retryPeriodMs: 200 };

interface LeaseSpec {
  readonly holderIdentity?: string;
  readonly leaseDurationSeconds?: number;
  readonly leaseTransitions?: number;
}

const leaseSpec = (c: EmulatedChains, kind: "TaskRun" | "PipelineRun"): LeaseSpec =>
  (c.emu.store.get("leases", "tekton-chains", leaseNameFor(kind))?.["spec"] as LeaseSpec | undefined) ?? {};

const holds = (c: EmulatedChains, replica: Replica): boolean =>
  leaseSpec(c, "TaskRun").holderIdentity === replica.name && leaseSpec(c, "PipelineRun").holderIdentity === replica.name;

/** Writes to runs a replica's client sent (its bearer token is its name). */
const runWritesBy = (c: EmulatedChains, replica: Replica) =>
  [...c.emu.requestLog.writes({ resource: "taskruns", bearerToken: replica.name }), ...c.emu.requestLog.writes({ resource: "pipelineruns", bearerToken: replica.name })];

/** Accepted writes that set `chains.tekton.dev/signed`: exactly one per signed run. */
const signingWrites = (c: EmulatedChains, name: string) =>
  c.runWrites("taskruns", name).filter((w) => w.status >= 200 && w.status < 300 && (w.body ?? "").includes('"chains.tekton.dev/signed"'));

const seedAndComplete = (c: EmulatedChains, names: ReadonlyArray<string>) => {
  for (const name of names) c.emu.store.seed(plainTaskRun(name));
  for (const name of names) c.complete("taskruns", name);
};

/** A Lease as another controller (e.g. Tekton Chains mid switch-over) holds it. */
const seedForeignLease = (c: EmulatedChains, holderIdentity: string, leaseDurationSeconds: number) => {
  const now = new Date().toISOString().replace("Z", "000Z");
  c.emu.store.seed({
    apiVersion: "coordination.k8s.io/v1",
    kind: "Lease",
    metadata: { name: leaseNameFor("TaskRun"), namespace: "tekton-chains" },
    spec: { holderIdentity, leaseDurationSeconds, acquireTime: now, renewTime: now, leaseTransitions: 0 },
  });
};

/** A signed run still carrying the finalizer (as Tekton Chains leaves every run it saw). */
const seedSignedWithFinalizer = (c: EmulatedChains, name: string) => {
  const signed = plainTaskRun(name);
  signed["metadata"] = { ...(signed["metadata"] as object), finalizers: ["chains.tekton.dev/taskrun"], annotations: { "chains.tekton.dev/signed": "true" } };
  c.emu.store.seed(signed);
};

/** Both first lists are delivered (each kind is watched only after its list): the controller is synced. */
const untilListed = (c: EmulatedChains, replica: Replica) =>
  until(
    () => ["taskruns", "pipelineruns"].every((resource) => c.emu.requestLog.count({ resource, verb: "watch", bearerToken: replica.name }) > 0),
    `${replica.name} to watch runs`,
    30_000,
  );

describe("leader election between replicas", () => {
  it("lets exactly one of two replicas sign, and the other take over within the lease duration when it dies", async () => {
    chains = await EmulatedChains.create();
    const a = await chains.startReplica("replica-a", timing);
    const b = await chains.startReplica("replica-b", timing);
    await until(() => holds(chains!, a) || holds(chains!, b), "one replica to hold both Leases");
    const [leader, follower] = holds(chains, a) ? [a, b] : [b, a];
    expect([...follower.leadership.heldLeases("TaskRun"), ...follower.leadership.heldLeases("PipelineRun")]).toEqual([]);

    const first = ["first-0", "first-1", "first-2", "first-3"];
    seedAndComplete(chains, first);
    const { pipelineRun, taskRuns } = sampleRuns();
    const children = taskRuns.slice(2);
    chains.emu.store.seed(pipelineRun as unknown as JsonObject, ...children.map((t) => t as unknown as JsonObject));
    for (const child of children) chains.complete("taskruns", child.metadata.name);
    chains.complete("pipelineruns", pipelineRun.metadata.name);
    for (const name of [...first, ...children.map((t) => t.metadata.name)]) expect(await chains.awaitSigned("taskruns", name)).toBe("true");
    expect(await chains.awaitSigned("pipelineruns", pipelineRun.metadata.name)).toBe("true");
    expect(chains.provenanceVerifies("pipelineruns", pipelineRun.metadata.name)).toBe(true);
    // The follower watched everything and wrote nothing.
    expect(runWritesBy(chains, follower)).toHaveLength(0);
    expect(runWritesBy(chains, leader).length).toBeGreaterThan(0);
    expect(follower.metrics.value("watcher_taskrun_sign_created_total")).toBe(0);
    expect(leader.metrics.value("watcher_taskrun_sign_created_total")).toBeGreaterThanOrEqual(first.length);

    const transitions = leaseSpec(chains, "TaskRun").leaseTransitions ?? 0;
    await leader.crash();
    const crashedAt = Date.now();
    const second = ["second-0", "second-1", "second-2"];
    seedAndComplete(chains, second);
    await until(() => holds(chains!, follower), "the follower to hold both Leases");
    const takeoverMs = Date.now() - crashedAt;
    // Not before the dead leader's lease ran out (that would risk two signers), and not much later:
    // the follower watched the PipelineRun Lease too, so it does not wait out a second lease for it.
    expect(takeoverMs).toBeGreaterThanOrEqual(timing.leaseDurationMs - 2 * timing.retryPeriodMs);
    expect(takeoverMs).toBeLessThan(timing.leaseDurationMs * 2);
    expect(leaseSpec(chains, "TaskRun").leaseTransitions).toBe(transitions + 1);
    for (const name of second) {
      expect(await chains.awaitSigned("taskruns", name)).toBe("true");
      expect(chains.provenanceVerifies("taskruns", name)).toBe(true);
    }
    expect(runWritesBy(chains, follower).length).toBeGreaterThan(0);
    for (const name of [...first, ...second]) expect(signingWrites(chains, name)).toHaveLength(1);
    // Exactly the verbs deploy/role.yaml grants on Leases.
    expect(new Set(chains.emu.requestLog.entries({ resource: "leases" }).map((e) => e.verb))).toEqual(new Set(["get", "create", "update"]));
  });

  it("releases the Leases on graceful shutdown, so a standby takes over at its next retry", async () => {
    chains = await EmulatedChains.create();
    const a = await chains.startReplica("replica-a", timing);
    await until(() => holds(chains!, a), "the replica to hold both Leases");
    await a.stop();
    expect(leaseSpec(chains, "TaskRun")).toMatchObject({ holderIdentity: "", leaseDurationSeconds: 1 });
    expect(leaseSpec(chains, "PipelineRun")).toMatchObject({ holderIdentity: "", leaseDurationSeconds: 1 });

    const b = await chains.startReplica("replica-b", timing);
    const startedAt = Date.now();
    await until(() => holds(chains!, b), "the standby to hold both Leases");
    expect(Date.now() - startedAt).toBeLessThan(timing.leaseDurationMs);
    seedAndComplete(chains, ["after-handover"]);
    expect(await chains.awaitSigned("taskruns", "after-handover")).toBe("true");
  });

  // Both orders of deletion and first list, each forced (which one a run meets depends on load);
  // the foreign Lease is long enough that the replica surely still follows once it has listed.
  it("releases a run deleted while no replica led, once it leads (deleted before its first list)", async () => {
    chains = await EmulatedChains.create();
    seedSignedWithFinalizer(chains, "signed-earlier");
    seedForeignLease(chains, "departed-controller", 6);
    chains.emu.store.delete("taskruns", "default", "signed-earlier");
    expect(chains.get("taskruns", "signed-earlier")).toBeDefined();
    const a = await chains.startReplica("replica-a", timing);
    await untilListed(chains, a);
    expect(a.leadership.heldLeases("TaskRun")).toEqual([]);
    await until(() => a.leadership.heldLeases("TaskRun").length > 0, "replica-a to lead", 30_000);
    await until(() => chains!.get("taskruns", "signed-earlier") === undefined, "the deleted run to go", 30_000);
  });

  it("releases a run deleted while no replica led, once it leads (deleted after its first list)", async () => {
    chains = await EmulatedChains.create();
    seedSignedWithFinalizer(chains, "signed-earlier");
    seedForeignLease(chains, "departed-controller", 6);
    const a = await chains.startReplica("replica-a", timing);
    await untilListed(chains, a);
    expect(a.leadership.heldLeases("TaskRun")).toEqual([]);
    chains.emu.store.delete("taskruns", "default", "signed-earlier");
    expect(chains.get("taskruns", "signed-earlier")).toBeDefined();
    await until(() => a.leadership.heldLeases("TaskRun").length > 0, "replica-a to lead", 30_000);
    await until(() => chains!.get("taskruns", "signed-earlier") === undefined, "the deleted run to go", 30_000);
  });

  it("does not sign while another holder (a Tekton Chains controller mid switch-over) keeps the TaskRun Lease", async () => {
    chains = await EmulatedChains.create();
    seedForeignLease(chains, "tekton-chains-controller-7d9f_0b1c", 60);
    const a = await chains.startReplica("replica-a", timing);
    seedAndComplete(chains, ["waiting"]);
    // Long enough for an unrenewed Lease to run out: the replica's own reads of it span a lease duration.
    const leaseReads = () => chains!.emu.requestLog.entries({ verb: "get", resource: "leases", name: leaseNameFor("TaskRun"), bearerToken: a.name });
    await until(() => {
      const reads = leaseReads();
      return reads.length > 1 && reads.at(-1)!.time.getTime() - reads[0]!.time.getTime() >= timing.leaseDurationMs;
    }, "replica-a to read the foreign Lease for a lease duration", 30_000);
    expect(a.leadership.heldLeases("TaskRun")).toEqual([]);
    expect(chains.annotations("taskruns", "waiting")["chains.tekton.dev/signed"]).toBeUndefined();
    expect(runWritesBy(chains, a)).toHaveLength(0);
    // Without the TaskRun Lease it does not reach for the PipelineRun one either.
    expect(chains.emu.store.get("leases", "tekton-chains", leaseNameFor("PipelineRun"))).toBeUndefined();
  });
});
