import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { InMemoryLeaseStore } from "../../src/adapters/memory/in-memory-lease-store.ts";
import { LeaseElector } from "../../src/app/leadership/lease-elector.ts";

const timing = { leaseDurationMs: 6_000, renewDeadlineMs: 4_000, retryPeriodMs: 1_000 };
const CANDIDATES = 3;

type Step =
  | { readonly op: "advance"; readonly ms: number }
  | { readonly op: "outage"; readonly on: boolean }
  | { readonly op: "crash" | "shutdown" | "restart"; readonly candidate: number }
  /** Start or stop seeking the lease (as the PipelineRun lease follows the TaskRun lease). */
  | { readonly op: "campaign"; readonly candidate: number; readonly on: boolean };

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ op: fc.constant("advance" as const), ms: fc.integer({ min: 1, max: 5_000 }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("outage" as const), on: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constantFrom("crash" as const, "shutdown" as const, "restart" as const), candidate: fc.nat(CANDIDATES - 1) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("campaign" as const), candidate: fc.nat(CANDIDATES - 1), on: fc.boolean() }) },
);

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe("lease electors contending for one Lease", () => {
  // For any schedule of elapsed time, API outages, crashes, graceful shutdowns, restarts (under the
  // same identity) and campaigns started or stopped, at no instant do two candidates believe they
  // lead; and once the API is reachable again, a live campaigning candidate leads within the lease
  // duration plus two retry periods.
  it("never have two leaders, and always elect one when they can", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 30 }), async (steps) => {
        const store = new InMemoryLeaseStore();
        const electors: Array<LeaseElector | undefined> = [];
        let leadersAtOnce = 0;
        const start = (i: number) => {
          const elector: LeaseElector = new LeaseElector({
            store: store.service(),
            lease: "test-lease",
            // Stable across restarts, as a pod's POD_NAME is: a restarted candidate finds its own name on the Lease.
            identity: `candidate-${i}`,
            timing,
            log: () => undefined,
            onChange: () => {
              leadersAtOnce = Math.max(leadersAtOnce, electors.filter((e) => e?.leading).length);
            },
          });
          electors[i] = elector;
          elector.start();
        };
        for (let i = 0; i < CANDIDATES; i++) start(i);
        try {
          for (const s of steps) {
            if (s.op === "advance") await vi.advanceTimersByTimeAsync(s.ms);
            else if (s.op === "outage") store.unavailable = s.on;
            else if (s.op === "campaign") await electors[s.candidate]?.campaign(s.on);
            else if (s.op === "restart") {
              if (electors[s.candidate] === undefined) start(s.candidate);
            } else {
              const elector = electors[s.candidate];
              electors[s.candidate] = undefined;
              await elector?.stop({ release: s.op === "shutdown" });
            }
            expect(electors.filter((e) => e?.leading).length).toBeLessThanOrEqual(1);
          }
          expect(leadersAtOnce).toBeLessThanOrEqual(1);
          store.unavailable = false;
          if (electors.every((e) => e === undefined)) start(0);
          for (const elector of electors) await elector?.campaign(true);
          await vi.advanceTimersByTimeAsync(timing.leaseDurationMs + 2 * timing.retryPeriodMs * 1.2);
          expect(electors.filter((e) => e?.leading)).toHaveLength(1);
        } finally {
          for (const elector of electors) await elector?.stop({ release: false });
        }
      }),
      { numRuns: 60 },
    );
  });
});
