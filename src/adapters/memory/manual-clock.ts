import type { Clock } from "../../ports/clock.ts";
import type { TimerHandle, Timers } from "../../ports/timers.ts";

type ClockShape = Clock["Service"];
type TimersShape = Timers["Service"];

interface PendingTimer {
  readonly due: number;
  readonly callback: () => void;
}

/**
 * A clock that only moves when told to, so times in annotations, Events and tests are exact, and
 * its timers fire only when it is moved past them: a retry delay takes no real time yet keeps
 * its length.
 */
export class ManualClock implements ClockShape, TimersShape {
  #millis: number;
  /** By handle; handles grow with each timer set, so among timers due together the first set fires first. */
  readonly #timers = new Map<number, PendingTimer>();
  #lastHandle = 0;

  constructor(start: Date = new Date("2024-01-01T00:00:00Z")) {
    this.#millis = start.getTime();
  }

  readonly now = (): Date => new Date(this.#millis);

  readonly setTimeout = (callback: () => void, ms: number): TimerHandle => {
    const handle = ++this.#lastHandle;
    // As Node does, a delay that is not a positive number means "as soon as possible".
    this.#timers.set(handle, { due: this.#millis + (ms > 0 ? ms : 0), callback });
    return handle;
  };

  readonly clearTimeout = (handle: TimerHandle): void => {
    if (typeof handle === "number") this.#timers.delete(handle);
  };

  /**
   * Moves time on by `millis`, firing on the way every timer that falls due, in the order they fall
   * due; each sees `now()` at its own due time, and one a callback sets fires too if it falls due
   * within the move.
   */
  advance(millis: number): void {
    const end = this.#millis + millis;
    for (let next = this.#nextDue(); next !== undefined && next[1].due <= end; next = this.#nextDue()) {
      const [handle, timer] = next;
      this.#timers.delete(handle);
      this.#millis = Math.max(this.#millis, timer.due);
      timer.callback();
    }
    this.#millis = end;
  }

  /** Moves to `date`: on, as `advance` does, or back, where no timer fires. */
  set(date: Date): void {
    const millis = date.getTime() - this.#millis;
    if (millis >= 0) this.advance(millis);
    else this.#millis = date.getTime();
  }

  /** How long until each timer not yet fired falls due, soonest first. */
  pendingDelays(): ReadonlyArray<number> {
    return [...this.#timers.values()].map((timer) => Math.max(0, timer.due - this.#millis)).sort((a, b) => a - b);
  }

  #nextDue(): readonly [number, PendingTimer] | undefined {
    let next: [number, PendingTimer] | undefined;
    for (const entry of this.#timers) if (next === undefined || entry[1].due < next[1].due) next = entry;
    return next;
  }
}
