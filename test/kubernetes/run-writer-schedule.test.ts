import { Duration, Effect, Schedule } from "effect";
import { describe, expect, it } from "vitest";
import { type AttemptError, WriteAttemptFailed, writeRetrySchedule } from "../../src/adapters/kubernetes/run-writer.ts";

const conflict = new WriteAttemptFailed({ reason: "409 Conflict", wait: false });
const transient = new WriteAttemptFailed({ reason: "503 Service Unavailable", wait: true });

/** The waits the schedule asks for after each failed attempt, in milliseconds. */
const waitsAfter = (failures: ReadonlyArray<AttemptError>): Promise<ReadonlyArray<number>> =>
  Effect.runPromise(
    Effect.gen(function* () {
      const step = yield* Schedule.toStep(writeRetrySchedule(200));
      const waits: Array<number> = [];
      for (const failure of failures) waits.push(Duration.toMillis((yield* step(0, failure))[1]));
      return waits;
    }),
  );

describe("the run writer's retry schedule", () => {
  it("retries a conflict at once and waits 200, 400, 800 ms after transient failures, conflicts counting as attempts", async () => {
    expect(await waitsAfter([transient, transient, transient])).toEqual([200, 400, 800]);
    expect(await waitsAfter([conflict, conflict, transient, conflict, transient])).toEqual([0, 0, 800, 0, 3_200]);
  });
});
