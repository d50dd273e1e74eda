import type { Clock } from "../../ports/clock.ts";

type ClockShape = Clock["Service"];

/** A clock that only moves when told to, so times in annotations, Events and tests are exact. */
export class ManualClock implements ClockShape {
  #millis: number;

  constructor(start: Date = new Date("2024-01-01T00:00:00Z")) {
    this.#millis = start.getTime();
  }

  readonly now = (): Date => new Date(this.#millis);

  advance(millis: number): void {
    this.#millis += millis;
  }

  set(date: Date): void {
    this.#millis = date.getTime();
  }
}
