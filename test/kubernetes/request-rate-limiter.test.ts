import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { RequestRateLimiter } from "../../src/adapters/kubernetes/request-rate-limiter.ts";
import type { Lane } from "../../src/domain/lifecycle/decide-run-command.ts";

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance"] });
});
afterEach(() => {
  vi.useRealTimers();
});

/** Requests sent so far, by label, in the order the limiter let them go. */
const sender = (limiter: RequestRateLimiter) => {
  const sent: Array<string> = [];
  const request = (label: string, lane: Lane) => void limiter.acquire(lane).then(() => sent.push(label));
  return { sent, request };
};

/** Lets resolved acquisitions run their continuations. */
const settle = () => vi.advanceTimersByTimeAsync(0);

describe("request rate limiter", () => {
  it("sends a waiting live request before every waiting backlog request", async () => {
    const limiter = new RequestRateLimiter({ qps: 10, burst: 1 });
    const { sent, request } = sender(limiter);
    request("first", "backlog");
    request("b1", "backlog");
    request("b2", "backlog");
    request("l1", "live");
    request("l2", "live");
    await vi.advanceTimersByTimeAsync(1_000);
    expect(sent).toEqual(["first", "l1", "l2", "b1", "b2"]);
  });

  it("keeps the reserve for live requests: the backlog stops short of it, and a live request then goes at once", async () => {
    const limiter = new RequestRateLimiter({ qps: 10, burst: 20 });
    expect(limiter.reserve).toBeGreaterThanOrEqual(1);
    const { sent, request } = sender(limiter);
    for (let i = 0; i < 30; i++) request(`b${i}`, "backlog");
    await settle();
    expect(sent).toHaveLength(20 - limiter.reserve);
    request("live", "live");
    await settle();
    expect(sent.at(-1)).toBe("live");
  });

  it("gives the backlog the full rate when no live work comes: the reserve is held, not lost", async () => {
    const qps = 50;
    const limiter = new RequestRateLimiter({ qps, burst: qps });
    const { sent, request } = sender(limiter);
    for (let i = 0; i < 2_000; i++) request(`b${i}`, "backlog");
    await vi.advanceTimersByTimeAsync(10_000);
    // The burst less the reserve at once, then every token refilled over 10 s.
    expect(sent.length).toBeGreaterThanOrEqual(qps - limiter.reserve + qps * 10 - 1);
    expect(sent.length).toBeLessThanOrEqual(qps + qps * 10);
  });

  it("sends a backlog request that waited its starvation bound even while live requests exceed the rate", async () => {
    const limiter = new RequestRateLimiter({ qps: 5, burst: 5 });
    const { sent, request } = sender(limiter);
    for (let i = 0; i < 5; i++) request(`burst-${i}`, "live");
    request("backlog", "backlog");
    await settle();
    expect(sent).not.toContain("backlog");
    // Live requests at twice the rate, for longer than the bound: live-first alone never sends the backlog.
    for (let t = 0; t < limiter.starvationBoundMs + 2_000; t += 100) {
      request(`live-${t}`, "live");
      await vi.advanceTimersByTimeAsync(100);
    }
    expect(sent).toContain("backlog");
    expect(sent.indexOf("backlog")).toBeLessThan(sent.length - 1);
  });

  it("serves each lane in arrival order", async () => {
    const limiter = new RequestRateLimiter({ qps: 5, burst: 2 });
    const { sent, request } = sender(limiter);
    const order: Array<readonly [string, Lane]> = [
      ["b0", "backlog"], ["l0", "live"], ["b1", "backlog"], ["l1", "live"], ["b2", "backlog"], ["l2", "live"], ["b3", "backlog"],
    ];
    for (const [label, lane] of order) request(label, lane);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(sent.filter((label) => label.startsWith("l"))).toEqual(["l0", "l1", "l2"]);
    expect(sent.filter((label) => label.startsWith("b"))).toEqual(["b0", "b1", "b2", "b3"]);
  });

  it("releases every waiter of both lanes on drain, without waiting for tokens", async () => {
    const limiter = new RequestRateLimiter({ qps: 0.001, burst: 1 });
    const { sent, request } = sender(limiter);
    request("first", "live");
    request("b", "backlog");
    request("l", "live");
    await settle();
    expect(sent).toEqual(["first"]);
    limiter.drain();
    await settle();
    expect(sent).toEqual(["first", "l", "b"]);
  });

  it("refuses a rate or burst it cannot honour", () => {
    expect(() => new RequestRateLimiter({ qps: 0, burst: 5 })).toThrow(RangeError);
    expect(() => new RequestRateLimiter({ qps: 5, burst: 0 })).toThrow(RangeError);
  });
});

interface Arrival {
  readonly lane: Lane;
  /** Milliseconds after the previous arrival. */
  readonly gapMs: number;
}

describe("request rate limiter, any arrivals", () => {
  // Whatever the rate, burst and arrivals, every request is sent in the end, each lane in arrival
  // order, no window sends more than the burst plus its refill, and no backlog request is sent
  // while a live request that arrived before it still waits, unless it waited its starvation bound.
  it("keeps order, rate and live-first for any arrivals", async () => {
    const arrival = fc.record({ lane: fc.constantFrom<Lane>("live", "backlog"), gapMs: fc.integer({ min: 0, max: 300 }) });
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 10 }), fc.array(arrival, { maxLength: 40 }), async (qps, burst, arrivals: Array<Arrival>) => {
        const limiter = new RequestRateLimiter({ qps, burst });
        const start = performance.now();
        const sentAt = new Map<number, number>();
        const events: Array<{ readonly event: "arrived" | "sent"; readonly i: number }> = [];
        for (const [i, { lane, gapMs }] of arrivals.entries()) {
          await vi.advanceTimersByTimeAsync(gapMs);
          events.push({ event: "arrived", i });
          void limiter.acquire(lane).then(() => {
            sentAt.set(i, performance.now() - start);
            events.push({ event: "sent", i });
          });
          await Promise.resolve();
        }
        await vi.advanceTimersByTimeAsync(((arrivals.length + burst) / qps) * 1000 + 1_000);

        expect(sentAt.size).toBe(arrivals.length);
        const sendOrder = events.filter((e) => e.event === "sent").map((e) => e.i);
        for (const lane of ["live", "backlog"] as const) {
          const ofLane = sendOrder.filter((i) => arrivals[i]!.lane === lane);
          expect(ofLane).toEqual([...ofLane].sort((a, b) => a - b));
        }
        const times = [...sentAt.values()].sort((a, b) => a - b);
        for (let from = 0; from < times.length; from++) {
          for (let to = from; to < times.length; to++) {
            expect(to - from + 1).toBeLessThanOrEqual(burst + ((times[to]! - times[from]!) / 1000) * qps + 1e-6);
          }
        }
        const liveWaiting = new Set<number>();
        const arrivedAt = new Map<number, number>();
        for (const { event, i } of events) {
          const lane = arrivals[i]!.lane;
          if (event === "arrived") arrivedAt.set(i, arrivals.slice(0, i + 1).reduce((sum, a) => sum + a.gapMs, 0));
          if (event === "arrived" && lane === "live") liveWaiting.add(i);
          if (event === "sent" && lane === "live") liveWaiting.delete(i);
          const waited = (sentAt.get(i) ?? 0) - arrivedAt.get(i)!;
          if (event === "sent" && lane === "backlog" && waited < limiter.starvationBoundMs) expect([...liveWaiting]).toEqual([]);
        }
      }),
      { numRuns: 200 },
    );
  });
});
