import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { scheduleDelays } from "../support/schedule-delays.ts";
import { leaseRetrySchedule, type NextAttempt } from "../../src/app/leadership/lease-elector.ts";

const PERIOD_MS = 1_000;

/** The waits the schedule asks for after attempts leaving `states`, at `nowMs`. */
const waitsAfter = (seed: string, nowMs: number, states: ReadonlyArray<NextAttempt>) => scheduleDelays(leaseRetrySchedule(PERIOD_MS), states, { seed, nowMs });

describe("the lease elector's retry schedule", () => {
  // A holder renews every period, a candidate waits 1 to 1.2 periods but never past the holder's
  // expiry, and a retry asked for during an attempt follows at once.
  it("waits a period to renew, a jittered period to acquire (never past the holder's expiry), nothing after retry()", async () => {
    await fc.assert(
      fc.asyncProperty(fc.string(), fc.integer({ min: 0, max: 3 * PERIOD_MS }), async (seed, expiresInMs) => {
        const nowMs = 50_000;
        const [renew, acquire, acquireBeforeExpiry, atOnce] = await waitsAfter(seed, nowMs, [
          { _tag: "Renew" },
          { _tag: "Acquire", holderExpiresAtMs: undefined },
          { _tag: "Acquire", holderExpiresAtMs: nowMs + expiresInMs },
          { _tag: "AtOnce" },
        ]);
        expect(renew).toBe(PERIOD_MS);
        expect(acquire).toBeGreaterThanOrEqual(PERIOD_MS);
        expect(acquire).toBeLessThanOrEqual(1.2 * PERIOD_MS);
        expect(acquireBeforeExpiry).toBeLessThanOrEqual(Math.min(expiresInMs, 1.2 * PERIOD_MS));
        expect(acquireBeforeExpiry).toBeGreaterThanOrEqual(Math.min(expiresInMs, PERIOD_MS));
        expect(atOnce).toBe(0);
      }),
      { numRuns: 50 },
    );
  });

  it("spreads candidates' waits over the whole jitter range", async () => {
    const waits = (await Promise.all(Array.from({ length: 100 }, (_, i) => waitsAfter(`seed-${i}`, 0, [{ _tag: "Acquire", holderExpiresAtMs: undefined }])))).flat();
    expect(Math.min(...waits)).toBeLessThan(1.02 * PERIOD_MS);
    expect(Math.max(...waits)).toBeGreaterThan(1.18 * PERIOD_MS);
  });
});
