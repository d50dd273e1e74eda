import { Effect } from "effect";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { InMemoryLeaseStore } from "../../src/adapters/memory/in-memory-lease-store.ts";
import { LeaseElector, type LeaseElectorOptions } from "../../src/app/leadership/lease-elector.ts";
import type { LeaseStore } from "../../src/ports/lease-store.ts";

const timing = { leaseDurationMs: 6_000, renewDeadlineMs: 4_000, retryPeriodMs: 1_000 };

let electors: Array<LeaseElector> = [];
beforeEach(() => {
  vi.useFakeTimers();
  // A fixed jitter (every wait 1.1 periods), so that when a candidate tries is known exactly.
  vi.spyOn(Math, "random").mockReturnValue(0.5);
});
afterEach(async () => {
  for (const elector of electors) await elector.stop({ release: false });
  electors = [];
  vi.restoreAllMocks();
  vi.useRealTimers();
});

/** The store, recording when each identity read the lease and what it found (nothing when the read failed). */
const recordingStore = (store: InMemoryLeaseStore) => {
  const reads: Array<{ readonly by: string; readonly atMs: number; readonly renewTime: string | undefined; readonly failed: boolean }> = [];
  const serviceFor = (by: string): LeaseStore["Service"] => {
    const service = store.service();
    return {
      ...service,
      read: (name) =>
        service.read(name).pipe(
          Effect.tap((lease) => Effect.sync(() => reads.push({ by, atMs: Date.now(), renewTime: lease?.record.renewTime, failed: false }))),
          Effect.tapError(() => Effect.sync(() => reads.push({ by, atMs: Date.now(), renewTime: undefined, failed: true }))),
        ),
    };
  };
  return { reads, serviceFor };
};

const elector = (identity: string, store: LeaseStore["Service"], options: Partial<LeaseElectorOptions> = {}): LeaseElector => {
  const made = new LeaseElector({ store, lease: "test-lease", identity, timing, log: () => undefined, onChange: () => undefined, ...options });
  electors.push(made);
  made.start();
  return made;
};

/** Advances the fake clock in small steps until `condition` holds; returns when it did. */
const advanceUntil = async (condition: () => boolean, limitMs: number): Promise<number> => {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > limitMs) throw new Error(`not within ${limitMs} ms`);
    await vi.advanceTimersByTimeAsync(1);
  }
  return Date.now();
};

describe("a lease elector", () => {
  it("takes a dead holder's lease the moment it runs out by its own clock, not a retry period later", async () => {
    const store = new InMemoryLeaseStore();
    const { reads, serviceFor } = recordingStore(store);
    const leader = elector("leader", serviceFor("leader"));
    await advanceUntil(() => leader.leading, 100);
    const standby = elector("standby", serviceFor("standby"));
    await vi.advanceTimersByTimeAsync(3_500);
    await leader.stop({ release: false });
    const tookOverAt = await advanceUntil(() => standby.leading, 3 * timing.leaseDurationMs);
    // When the standby first saw the leader's last renewal: the lease runs out a lease duration later.
    const standbyReads = reads.filter((r) => r.by === "standby");
    const lastRenewal = standbyReads.at(-1)?.renewTime;
    const firstSeenAt = standbyReads.find((r) => r.renewTime === lastRenewal)?.atMs ?? Number.NaN;
    expect(tookOverAt - firstSeenAt).toBeGreaterThanOrEqual(timing.leaseDurationMs);
    expect(tookOverAt - firstSeenAt).toBeLessThanOrEqual(timing.leaseDurationMs + 10);
  });

  it("only watches the lease while not campaigning, and takes an expired one at once when it starts", async () => {
    const store = new InMemoryLeaseStore();
    const { reads, serviceFor } = recordingStore(store);
    const leader = elector("leader", serviceFor("leader"));
    await advanceUntil(() => leader.leading, 100);
    const watcher = elector("watcher", serviceFor("watcher"), { campaigning: false });
    await vi.advanceTimersByTimeAsync(2_000);
    await leader.stop({ release: false });
    await vi.advanceTimersByTimeAsync(timing.leaseDurationMs + 2 * timing.retryPeriodMs);
    // The lease ran out long ago, but a watcher does not seek it.
    expect(watcher.leading).toBe(false);
    expect(reads.filter((r) => r.by === "watcher").length).toBeGreaterThan(5);
    const campaignAt = Date.now();
    await watcher.campaign(true);
    const ledAt = await advanceUntil(() => watcher.leading, 3 * timing.leaseDurationMs);
    expect(ledAt - campaignAt).toBeLessThanOrEqual(10);
    // Stopping the campaign hands the lease back, and it goes back to watching.
    await watcher.campaign(false);
    expect(watcher.leading).toBe(false);
    const other = elector("other", serviceFor("other"));
    await advanceUntil(() => other.leading, 2 * timing.retryPeriodMs);
    await vi.advanceTimersByTimeAsync(timing.leaseDurationMs);
    expect(watcher.leading).toBe(false);
  });

  it("tries once per retry period while the API server is unreachable", async () => {
    const store = new InMemoryLeaseStore();
    const { reads, serviceFor } = recordingStore(store);
    const leader = elector("leader", serviceFor("leader"));
    await advanceUntil(() => leader.leading, 100);
    elector("standby", serviceFor("standby"));
    // The leader dies and the API server goes away just before its lease would run out for the standby.
    await vi.advanceTimersByTimeAsync(timing.leaseDurationMs - 1_000);
    await leader.stop({ release: false });
    store.unavailable = true;
    const outageFrom = Date.now();
    await vi.advanceTimersByTimeAsync(10 * timing.retryPeriodMs);
    const failed = reads.filter((r) => r.by === "standby" && r.failed && r.atMs >= outageFrom);
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.length).toBeLessThanOrEqual(10);
  });
});
