import { Duration, Effect, Random, Schedule } from "effect";

/**
 * The delays, in milliseconds, a schedule asks for after each of `inputs` in turn, stepped at
 * `nowMs`, with draws from a random source seeded with `seed`: what a retry loop on it would wait.
 */
export const scheduleDelays = <Input>(
  schedule: Schedule.Schedule<unknown, Input>,
  inputs: ReadonlyArray<Input>,
  options: { readonly seed: string; readonly nowMs?: number },
): Promise<ReadonlyArray<number>> =>
  Effect.runPromise(
    Effect.gen(function* () {
      const step = yield* Schedule.toStep(schedule);
      const delays: Array<number> = [];
      for (const input of inputs) delays.push(Duration.toMillis((yield* step(options.nowMs ?? 0, input))[1]));
      return delays;
    }).pipe(Random.withSeed(options.seed)),
  );
