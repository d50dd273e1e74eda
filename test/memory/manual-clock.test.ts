import { describe, expect, it } from "vitest";
import { ManualClock } from "../../src/adapters/memory/manual-clock.ts";

const start = new Date("2024-05-06T07:08:09Z");
const elapsed = (clock: ManualClock) => clock.now().getTime() - start.getTime();

describe("ManualClock timers", () => {
  it("fires nothing until moved past a timer's due time, then fires it once, with now() at that time", () => {
    const clock = new ManualClock(start);
    const fired: Array<number> = [];
    clock.setTimeout(() => fired.push(elapsed(clock)), 50);
    clock.advance(49);
    expect(fired).toEqual([]);
    clock.advance(10);
    expect(fired).toEqual([50]);
    expect(elapsed(clock)).toBe(59);
    clock.advance(1_000);
    expect(fired).toEqual([50]);
  });

  it("fires the timers a move passes in the order they fall due, those due together in the order they were set", () => {
    const clock = new ManualClock(start);
    const fired: Array<string> = [];
    clock.setTimeout(() => fired.push(`c@${elapsed(clock)}`), 30);
    clock.setTimeout(() => fired.push(`a@${elapsed(clock)}`), 10);
    clock.setTimeout(() => fired.push(`b1@${elapsed(clock)}`), 20);
    clock.setTimeout(() => fired.push(`b2@${elapsed(clock)}`), 20);
    clock.advance(100);
    expect(fired).toEqual(["a@10", "b1@20", "b2@20", "c@30"]);
  });

  it("fires a timer set by a callback when it falls due within the same move, and not one due after it", () => {
    const clock = new ManualClock(start);
    const fired: Array<number> = [];
    const every = (ms: number) =>
      clock.setTimeout(() => {
        fired.push(elapsed(clock));
        every(ms);
      }, ms);
    every(40);
    clock.advance(100);
    expect(fired).toEqual([40, 80]);
    expect(clock.pendingDelays()).toEqual([20]);
  });

  it("never fires a cleared timer; clearing one that fired, or an unknown handle, changes nothing", () => {
    const clock = new ManualClock(start);
    const fired: Array<string> = [];
    const cleared = clock.setTimeout(() => fired.push("cleared"), 10);
    const kept = clock.setTimeout(() => fired.push("kept"), 10);
    clock.clearTimeout(cleared);
    clock.advance(10);
    clock.clearTimeout(kept);
    clock.clearTimeout(undefined);
    expect(fired).toEqual(["kept"]);
    expect(clock.pendingDelays()).toEqual([]);
  });

  it("fires a timer of no or negative delay at the next move, even a move of 0 ms", () => {
    const clock = new ManualClock(start);
    const fired: Array<number> = [];
    clock.setTimeout(() => fired.push(elapsed(clock)), 0);
    clock.setTimeout(() => fired.push(elapsed(clock)), -5);
    expect(fired).toEqual([]);
    clock.advance(0);
    expect(fired).toEqual([0, 0]);
  });

  it("set() moves on as advance() does, and back without firing anything", () => {
    const clock = new ManualClock(start);
    const fired: Array<number> = [];
    clock.setTimeout(() => fired.push(elapsed(clock)), 100);
    clock.set(new Date(start.getTime() - 1_000));
    expect(fired).toEqual([]);
    expect(clock.pendingDelays()).toEqual([1_100]);
    clock.set(new Date(start.getTime() + 500));
    expect(fired).toEqual([100]);
    expect(elapsed(clock)).toBe(500);
  });
});
