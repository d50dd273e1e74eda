/** Makes the next N calls of one operation fail, so tests can script outages. */
export class InjectedFailures {
  #remaining = 0;
  #reason = "injected failure";

  /** Replaces any pending injection: the next `times` calls fail with `reason`. */
  arm(times: number, reason = "injected failure"): void {
    this.#remaining = Math.max(0, Math.floor(times));
    this.#reason = reason;
  }

  /** Consumes one injected failure: its reason when this call must fail, otherwise undefined. */
  take(): string | undefined {
    if (this.#remaining === 0) return undefined;
    this.#remaining -= 1;
    return this.#reason;
  }

  get pending(): number {
    return this.#remaining;
  }
}
