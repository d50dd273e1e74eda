import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { scheduleDelays } from "../support/schedule-delays.ts";
import { retrySchedule, type RetryPolicy } from "../../src/adapters/registry/client/retry-policy.ts";

const policy: RetryPolicy = { attempts: 8, initialDelayMs: 200, maxDelayMs: 5_000, requestTimeoutMs: 30_000 };

/** The schedule's first `count` delays, in milliseconds, with draws from a seeded random source. */
const delaysOf = (seed: string, count: number) => scheduleDelays(retrySchedule(policy), Array.from({ length: count }, () => undefined), { seed });

const cap = (retry: number) => Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** (retry - 1));

describe("the registry client's retry schedule", () => {
  // Retry n waits between 0 and min(maxDelay, initialDelay × 2^(n-1)) milliseconds.
  it("keeps every wait within its exponential, capped bound", async () => {
    await fc.assert(
      fc.asyncProperty(fc.string(), async (seed) => {
        const delays = await delaysOf(seed, 7);
        delays.forEach((delay, i) => {
          expect(delay).toBeGreaterThanOrEqual(0);
          expect(delay).toBeLessThanOrEqual(cap(i + 1));
        });
      }),
      { numRuns: 50 },
    );
  });

  it("spreads waits over the whole bound (full jitter), growing until the cap", async () => {
    const runs = await Promise.all(Array.from({ length: 200 }, (_, i) => delaysOf(`seed-${i}`, 7)));
    for (let retry = 1; retry <= 7; retry++) {
      const waits = runs.map((delays) => delays[retry - 1]!);
      expect(Math.max(...waits)).toBeGreaterThan(0.9 * cap(retry));
      expect(Math.min(...waits)).toBeLessThan(0.1 * cap(retry));
    }
  });
});
