import { Duration, Effect, Fiber } from "effect";
import { TestClock } from "effect/testing";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { scheduleDelays } from "../support/schedule-delays.ts";
import { type ListWatchSink, type ListWatchTiming, listWatchBackoff, listWatchLoop } from "../../src/adapters/kubernetes/list-watch.ts";

const timing: ListWatchTiming = { watchTimeoutSeconds: 300, idleTimeoutMs: 120_000, backoffInitialMs: 500, backoffMaxMs: 30_000 };

/** The bound of the wait after the n-th failure in a row, before jitter. */
const ceiling = (failures: number) => Math.min(timing.backoffMaxMs, timing.backoffInitialMs * 2 ** (failures - 1));

const delaysOf = (seed: string, count: number) => scheduleDelays(listWatchBackoff(timing), Array.from({ length: count }, () => undefined), { seed });

type Stream = "fails" | "news, then ends" | "stays open";

/** A watch endpoint whose n-th stream behaves as `streams(n)` says. */
const fakeWatches = (now: () => number, streams: (opened: number) => Stream) => {
  const opens: Array<{ readonly atMs: number; readonly resourceVersion: unknown }> = [];
  let aborted = 0;
  const api = {
    watch: (
      _path: string,
      query: Readonly<Record<string, string | number | boolean | undefined>>,
      onEvent: (type: string, object: unknown) => void,
      onDone: (error: unknown) => void,
    ) => {
      opens.push({ atMs: now(), resourceVersion: query["resourceVersion"] });
      const controller = new AbortController();
      controller.signal.addEventListener("abort", () => (aborted += 1));
      const stream = streams(opens.length);
      if (stream === "news, then ends") {
        onEvent("ADDED", { metadata: { name: "run", resourceVersion: "8" } });
        queueMicrotask(() => onDone(null));
      }
      if (stream === "fails") queueMicrotask(() => onDone(Object.assign(new Error("connection reset"), { code: "ECONNRESET" })));
      return Promise.resolve(controller);
    },
  };
  return { api, opens, aborted: () => aborted };
};

const recordingSink = () => {
  const events: Array<string> = [];
  const sink: ListWatchSink = {
    listStart: () => events.push("listStart"),
    listItem: () => events.push("listItem"),
    listEnd: () => events.push("listEnd"),
    watchEvent: (type) => events.push(type),
  };
  return { sink, events };
};

const source = {
  description: "TaskRuns (test)",
  list: () => Promise.resolve({ items: [{}], resourceVersion: "7", continueToken: undefined }),
  watchPath: "/apis/tekton.dev/v1/taskruns",
};

/** Steps the test clock by `stepMs` up to `totalMs`, letting the loop run after each step. */
const stepClock = (totalMs: number, stepMs: number) =>
  Effect.gen(function* () {
    for (let elapsed = 0; elapsed < totalMs; elapsed += stepMs) {
      yield* TestClock.adjust(Duration.millis(stepMs));
      yield* Effect.promise(() => new Promise((resolve) => setImmediate(resolve)));
    }
  });

describe("the list-watch backoff", () => {
  // The wait after the n-th failure in a row lies between half and all of min(max, initial × 2^(n-1)).
  it("keeps every wait in the upper half of its exponential, capped bound", async () => {
    await fc.assert(
      fc.asyncProperty(fc.string(), async (seed) => {
        const delays = await delaysOf(seed, 12);
        delays.forEach((delay, i) => {
          expect(delay).toBeGreaterThanOrEqual(ceiling(i + 1) / 2);
          expect(delay).toBeLessThanOrEqual(ceiling(i + 1));
        });
      }),
      { numRuns: 50 },
    );
  });

  it("re-opens a failing watch after growing waits on the test clock, from the first wait again once a stream brings news", async () => {
    const warnings: Array<string> = [];
    const { sink, events } = recordingSink();
    await Effect.gen(function* () {
      const clock = yield* TestClock.testClockWith(Effect.succeed);
      const watches = fakeWatches(
        () => clock.currentTimeMillisUnsafe(),
        (opened) => (opened === 5 ? "news, then ends" : opened === 7 ? "stays open" : "fails"),
      );
      const fiber = yield* Effect.forkChild(listWatchLoop(watches.api, source, sink, timing, (_level, line) => warnings.push(line)));
      yield* stepClock(20_000, 50);
      expect(watches.opens.map((open) => open.resourceVersion)).toEqual(["7", "7", "7", "7", "7", "8", "8"]);
      expect(events).toEqual(["listStart", "listItem", "listEnd", "ADDED"]);
      const gaps = watches.opens.slice(1).map((open, i) => open.atMs - watches.opens[i]!.atMs);
      // A stream that ended after news is re-opened at once, from where it got to.
      expect(gaps[4]).toBe(0);
      // Failures in a row before each other re-open: 1-4, then 1 again after the stream with news.
      const failuresInARow = [1, 2, 3, 4, undefined, 1];
      gaps.forEach((gap, i) => {
        if (failuresInARow[i] === undefined) return;
        expect(gap).toBeGreaterThanOrEqual(ceiling(failuresInARow[i]!) / 2);
        // The clock moves in steps of 50 ms.
        expect(gap).toBeLessThanOrEqual(ceiling(failuresInARow[i]!) + 50);
      });
      expect(warnings).toHaveLength(5);
      expect(warnings[3]).toMatch(/^TaskRuns \(test\): .*connection reset.*; retrying in \d+ ms \(attempt 4\)$/);
      expect(warnings[4]).toMatch(/\(attempt 1\)$/);
      // Stopping the loop closes the open stream.
      expect(watches.aborted()).toBe(0);
      yield* Fiber.interrupt(fiber);
      expect(watches.aborted()).toBe(1);
    }).pipe(Effect.provide(TestClock.layer()), Effect.runPromise);
  });
  it("backs off and lists again when the sink throws on a listed item, rather than stopping", async () => {
    const warnings: Array<string> = [];
    const { sink, events } = recordingSink();
    let throws = 1;
    const throwingOnce: ListWatchSink = {
      ...sink,
      listItem: (object) => {
        sink.listItem(object);
        if (throws-- > 0) throw new Error("sink refused the item");
      },
    };
    await Effect.gen(function* () {
      const clock = yield* TestClock.testClockWith(Effect.succeed);
      const watches = fakeWatches(() => clock.currentTimeMillisUnsafe(), () => "stays open");
      const fiber = yield* Effect.forkChild(listWatchLoop(watches.api, source, throwingOnce, timing, (_level, line) => warnings.push(line)));
      yield* stepClock(2_000, 50);
      expect(events).toEqual(["listStart", "listItem", "listStart", "listItem", "listEnd"]);
      expect(warnings).toEqual([expect.stringMatching(/sink refused the item; retrying in \d+ ms \(attempt 1\)$/)]);
      expect(watches.opens).toHaveLength(1);
      yield* Fiber.interrupt(fiber);
    }).pipe(Effect.provide(TestClock.layer()), Effect.runPromise);
  });
});
