import { Effect } from "effect";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { InMemoryLeaseStore } from "../../src/adapters/memory/in-memory-lease-store.ts";
import type { RunName } from "../../src/app/controller/leadership.ts";
import { type LeaseLeadership, startLeaseLeadership } from "../../src/app/leadership/lease-leadership.ts";
import { bucketLeaseNames } from "../../src/domain/leader-election/lease-names.ts";
import type { RunKind } from "../../src/domain/run/run-object.ts";

const timing = { leaseDurationMs: 6_000, renewDeadlineMs: 4_000, retryPeriodMs: 1_000 };
const runs: ReadonlyArray<RunName> = Array.from({ length: 200 }, (_, i) => ({ namespace: `team-${i % 3}`, name: `build-${i}` }));

let started: Array<LeaseLeadership> = [];
beforeEach(() => {
  vi.useFakeTimers();
});
/** Crashes every replica started; calls still waiting on the fake clock are let through. */
const crashAll = async () => {
  const stopping = Promise.all(started.splice(0).map((leadership) => leadership.stop({ release: false })));
  await vi.advanceTimersByTimeAsync(1_000);
  await stopping;
};
afterEach(async () => {
  await crashAll();
  vi.restoreAllMocks();
  vi.useRealTimers();
});

/** `latencyMs` > 0: every call answers that much later, so replicas' first reads overlap and their writes race. */
const replica = (store: InMemoryLeaseStore, identity: string, buckets: number, latencyMs = 0): LeaseLeadership => {
  const service = store.service();
  // A timer of the test's fake clock, not Effect's.
  const slow = <A, E>(effect: Effect.Effect<A, E>) =>
    latencyMs === 0 ? effect : Effect.promise(() => new Promise((resolve) => setTimeout(resolve, latencyMs))).pipe(Effect.andThen(effect));
  const leadership = startLeaseLeadership({
    store: { read: (name) => slow(service.read(name)), create: (name, record) => slow(service.create(name, record)), update: (name, record, version) => slow(service.update(name, record, version)) },
    identity,
    timing,
    buckets,
    log: () => undefined,
  });
  started.push(leadership);
  return leadership;
};

const advanceUntil = async (condition: () => boolean, limitMs: number): Promise<number> => {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > limitMs) throw new Error(`not within ${limitMs} ms`);
    await vi.advanceTimersByTimeAsync(10);
  }
  return Date.now() - start;
};

const kinds: ReadonlyArray<RunKind> = ["TaskRun", "PipelineRun"];
const heldCount = (leadership: LeaseLeadership) => kinds.reduce((n, kind) => n + leadership.heldLeases(kind).length, 0);

describe("leadership over buckets", () => {
  it("shares two buckets out between two replicas started together, also when their first claims race", async () => {
    for (const [jitter, latencyMs] of [[0, 0], [0.5, 0], [0.99, 0], [0, 50], [0.5, 50], [0.99, 50]] as const) {
      vi.spyOn(Math, "random").mockReturnValue(jitter);
      const store = new InMemoryLeaseStore();
      const [a, b] = [replica(store, "a", 2, latencyMs), replica(store, "b", 2, latencyMs)];
      await advanceUntil(() => heldCount(a) + heldCount(b) === 4, 5 * timing.retryPeriodMs);
      // Well past the takeover delay of a replica holding one bucket: still one each.
      await vi.advanceTimersByTimeAsync(5 * timing.retryPeriodMs);
      for (const leadership of [a, b]) {
        expect(leadership.heldLeases("TaskRun")).toHaveLength(1);
        // The PipelineRun bucket of the same ordinal follows its TaskRun bucket.
        expect(leadership.heldLeases("PipelineRun").map((l) => l.slice(-8))).toEqual(leadership.heldLeases("TaskRun").map((l) => l.slice(-8)));
      }
      for (const kind of kinds) for (const run of runs) expect([a, b].filter((l) => l.leads(kind, run))).toHaveLength(1);
      // Both buckets own some of the runs.
      expect(runs.some((run) => a.leads("TaskRun", run))).toBe(true);
      expect(runs.some((run) => b.leads("TaskRun", run))).toBe(true);
      await crashAll();
    }
  });

  it("shares them out between replicas started up to two retry periods apart", async () => {
    vi.spyOn(Math, "random").mockReturnValue(0.99);
    const store = new InMemoryLeaseStore();
    const a = replica(store, "a", 2);
    await vi.advanceTimersByTimeAsync(1.9 * timing.retryPeriodMs);
    expect(heldCount(a)).toBe(2);
    const b = replica(store, "b", 2);
    await advanceUntil(() => heldCount(b) === 2, 5 * timing.retryPeriodMs);
    await vi.advanceTimersByTimeAsync(5 * timing.retryPeriodMs);
    expect([heldCount(a), heldCount(b)]).toEqual([2, 2]);
  });

  it("lets the survivor take a dead replica's bucket over after its lease runs out, and two retry periods more", async () => {
    vi.spyOn(Math, "random").mockReturnValue(0.5);
    const store = new InMemoryLeaseStore();
    const [a, b] = [replica(store, "a", 2), replica(store, "b", 2)];
    await advanceUntil(() => heldCount(a) === 2 && heldCount(b) === 2, 5 * timing.retryPeriodMs);
    await a.stop({ release: false });
    const tookOverMs = await advanceUntil(() => heldCount(b) === 4, 4 * timing.leaseDurationMs);
    expect(tookOverMs).toBeGreaterThanOrEqual(timing.leaseDurationMs);
    // Seen by b up to a jittered period after a's last renewal, then its own takeover delay of two periods.
    expect(tookOverMs).toBeGreaterThanOrEqual(timing.leaseDurationMs + 2 * timing.retryPeriodMs - 1.2 * timing.retryPeriodMs);
    expect(tookOverMs).toBeLessThanOrEqual(timing.leaseDurationMs + 3.2 * timing.retryPeriodMs + 100);
    for (const kind of kinds) for (const run of runs) expect(b.leads(kind, run)).toBe(true);
  });

  it("hands a released bucket to a replica holding none before one that holds a bucket", async () => {
    vi.spyOn(Math, "random").mockReturnValue(0.5);
    const store = new InMemoryLeaseStore();
    const [a, b] = [replica(store, "a", 2), replica(store, "b", 2)];
    await advanceUntil(() => heldCount(a) === 2 && heldCount(b) === 2, 5 * timing.retryPeriodMs);
    const c = replica(store, "c", 2);
    await vi.advanceTimersByTimeAsync(3 * timing.retryPeriodMs);
    expect(heldCount(c)).toBe(0);
    const released = a.heldLeases("TaskRun");
    await a.stop({ release: true });
    await advanceUntil(() => heldCount(c) === 2, 3 * timing.retryPeriodMs);
    expect(c.heldLeases("TaskRun")).toEqual(released);
    await vi.advanceTimersByTimeAsync(3 * timing.retryPeriodMs);
    expect(heldCount(b)).toBe(2);
  });

  it("tells listeners which runs a gained or lost bucket holds, agreeing with leads", async () => {
    vi.spyOn(Math, "random").mockReturnValue(0.5);
    const store = new InMemoryLeaseStore();
    const a = replica(store, "a", 3);
    const led = { TaskRun: new Set<string>(), PipelineRun: new Set<string>() };
    a.subscribe((kind, leading, inBucket) => {
      for (const run of runs.filter(inBucket)) led[kind][leading ? "add" : "delete"](`${run.namespace}/${run.name}`);
    });
    await advanceUntil(() => heldCount(a) === 6, 10 * timing.retryPeriodMs);
    for (const kind of kinds) expect(led[kind].size).toBe(runs.length);
    const b = replica(store, "b", 3);
    await vi.advanceTimersByTimeAsync(2 * timing.retryPeriodMs);
    await a.stop({ release: true });
    for (const kind of kinds) expect(led[kind].size).toBe(0);
    await advanceUntil(() => heldCount(b) === 6, 10 * timing.retryPeriodMs);
  });

  it("keeps one bucket's Leases named as Tekton Chains' single-bucket Leases", async () => {
    const store = new InMemoryLeaseStore();
    const a = replica(store, "a", 1);
    await advanceUntil(() => heldCount(a) === 2, 2 * timing.retryPeriodMs);
    expect(a.heldLeases("TaskRun")).toEqual(bucketLeaseNames("TaskRun", 1));
    expect(a.heldLeases("PipelineRun")).toEqual(bucketLeaseNames("PipelineRun", 1));
  });
});
