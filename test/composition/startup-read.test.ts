import { Clock, Data, Effect, Fiber, Result } from "effect";
import { TestClock } from "effect/testing";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { retryStartupRead, type StartupBackoff } from "../../src/app/composition/startup-read.ts";
import { ClusterUnavailable } from "../../src/ports/cluster.ts";

class ValueInvalid extends Data.TaggedError("ValueInvalid")<{ readonly key: string }> {}

const backoff: StartupBackoff = { initialMs: 500, maxMs: 30_000 };

/** Runs a read that fails `failures` times with `error`, then succeeds, on a test clock; returns when it attempted and what it logged. */
const simulate = (failures: number, error: ClusterUnavailable | ValueInvalid) =>
  Effect.gen(function* () {
    const attemptsAt: Array<number> = [];
    const logs: Array<string> = [];
    const read = Effect.gen(function* () {
      attemptsAt.push(yield* Clock.currentTimeMillis);
      if (attemptsAt.length <= failures) return yield* Effect.fail(error);
      return "data";
    });
    const fiber = yield* Effect.forkChild(Effect.result(retryStartupRead("ConfigMap ns/name", read, (_level, message) => logs.push(message), backoff)));
    yield* TestClock.adjust("1 hour");
    const result = yield* Fiber.join(fiber);
    return { result, attemptsAt, logs };
  }).pipe(Effect.provide(TestClock.layer()), Effect.runPromise);

describe("a start-up read", () => {
  // For any number of transient API failures, the read is retried until it succeeds, each wait is
  // the capped exponential delay give or take 20 % jitter, and each wait has one log line naming
  // what is awaited and the error.
  it("retries transient API errors with capped, jittered exponential waits, logging each", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 14 }), async (failures) => {
        const error = new ClusterUnavailable({ operation: "read ConfigMap ns/name", reason: "HTTP 500: etcd timeout" });
        const { result, attemptsAt, logs } = await simulate(failures, error);
        expect(result).toEqual(Result.succeed("data"));
        expect(attemptsAt).toHaveLength(failures + 1);
        attemptsAt.slice(1).forEach((at, n) => {
          const nominal = Math.min(backoff.initialMs * 2 ** n, backoff.maxMs);
          const waited = at - attemptsAt[n]!;
          expect(waited).toBeGreaterThanOrEqual(Math.floor(nominal * 0.8));
          expect(waited).toBeLessThanOrEqual(Math.ceil(nominal * 1.2));
        });
        expect(logs).toHaveLength(failures);
        for (const line of logs) expect(line).toMatch(/^waiting for ConfigMap ns\/name: HTTP 500: etcd timeout; retrying in \d+\.\d s$/);
      }),
      { numRuns: 20 },
    );
  });

  it("gives up at once, without waiting or logging, on an error retrying cannot fix", async () => {
    const invalid = new ValueInvalid({ key: "lease-duration" });
    const { result, attemptsAt, logs } = await simulate(3, invalid);
    expect(result).toEqual(Result.fail(invalid));
    expect(attemptsAt).toHaveLength(1);
    expect(logs).toEqual([]);
  });
});
