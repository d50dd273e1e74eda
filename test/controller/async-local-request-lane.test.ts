import { Effect, Fiber } from "effect";
import { describe, expect, it } from "vitest";
import { createActor, fromPromise, setup } from "xstate";
import { asyncLocalRequestLane as lanes } from "../../src/adapters/node/async-local-request-lane.ts";
import type { Lane } from "../../src/domain/lifecycle/decide-run-command.ts";

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("the request lane as Node's async context", () => {
  it("reads as live outside any lane", () => {
    expect(lanes.current()).toBe("live");
  });

  it("follows a worker's work through awaits, timers and Effect fibers, and is gone after it", async () => {
    const seen = await lanes.within("backlog", async () => {
      await tick();
      const afterTimer = lanes.current();
      const inFiber = await Effect.runPromise(
        Effect.sleep(1).pipe(
          Effect.andThen(Effect.forkChild(Effect.yieldNow.pipe(Effect.andThen(Effect.sync(() => lanes.current()))))),
          Effect.flatMap((fiber) => Fiber.join(fiber)),
        ),
      );
      return [afterTimer, inFiber];
    });
    expect(seen).toEqual(["backlog", "backlog"]);
    expect(lanes.current()).toBe("live");
  });

  it("keeps each of two interleaved pieces of work in its own lane, through promises and fibers", async () => {
    const observe = async (lane: Lane) =>
      lanes.within(lane, async () => {
        const seen: Array<Lane> = [];
        for (let i = 0; i < 3; i++) {
          await tick();
          seen.push(await Effect.runPromise(Effect.yieldNow.pipe(Effect.andThen(Effect.sync(() => lanes.current())))));
        }
        return seen;
      });
    const [backlog, live] = await Promise.all([observe("backlog"), observe("live")]);
    expect(backlog).toEqual(["backlog", "backlog", "backlog"]);
    expect(live).toEqual(["live", "live", "live"]);
  });

  it("reaches the promise an xstate actor invokes on an event sent within the lane", async () => {
    const seen: Array<Lane> = [];
    const machine = setup({
      actors: {
        step: fromPromise(async () => {
          await tick();
          seen.push(lanes.current());
        }),
      },
    }).createMachine({
      initial: "idle",
      states: {
        idle: { on: { RESUME: "working" } },
        working: { invoke: { src: "step", onDone: "done" } },
        done: { type: "final" },
      },
    });
    const actor = createActor(machine).start();
    const finished = new Promise<void>((resolve) => actor.subscribe({ complete: () => resolve() }));
    lanes.within("backlog", () => actor.send({ type: "RESUME" }));
    await finished;
    expect(seen).toEqual(["backlog"]);
  });
});
