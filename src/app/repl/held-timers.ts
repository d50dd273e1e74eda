import type { ActorOptions, AnyActorLogic } from "xstate";

/** xstate's clock interface, which it does not export by name. */
type Clock = NonNullable<ActorOptions<AnyActorLogic>["clock"]>;

interface HeldTimer {
  readonly id: number;
  readonly delayMs: number;
  readonly fire: () => void;
}

/**
 * An xstate clock whose timers never fire on their own: the REPL fires them one `step` at a time,
 * so a retry delay or the child wait takes no real time yet keeps the controller's durations.
 */
export class HeldTimers implements Clock {
  readonly #timers: Array<HeldTimer> = [];
  #nextId = 1;

  setTimeout(fn: (...args: Array<unknown>) => void, timeout: number): number {
    const id = this.#nextId++;
    this.#timers.push({ id, delayMs: timeout, fire: () => fn() });
    return id;
  }

  clearTimeout(id: unknown): void {
    const index = this.#timers.findIndex((timer) => timer.id === id);
    if (index >= 0) this.#timers.splice(index, 1);
  }

  /** The delay of the timer that would fire next, if any is held. */
  get nextDelayMs(): number | undefined {
    return this.#earliest()?.delayMs;
  }

  /** Fires the timer that is due first; returns its delay, or undefined when none is held. */
  fireNext(): number | undefined {
    const timer = this.#earliest();
    if (timer === undefined) return undefined;
    this.clearTimeout(timer.id);
    timer.fire();
    return timer.delayMs;
  }

  #earliest(): HeldTimer | undefined {
    return [...this.#timers].sort((a, b) => a.delayMs - b.delayMs || a.id - b.id)[0];
  }
}
