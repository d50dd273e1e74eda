/**
 * A token bucket over every API request (`--kube-api-qps`, `--kube-api-burst`), as client-go's
 * default rate limiter: up to `burst` requests at once, refilled at `qps` per second. Values are
 * used as given (reference defect #23: no doubling).
 */
export class RequestRateLimiter {
  readonly #qps: number;
  readonly #burst: number;
  #tokens: number;
  #refilledAt: number;
  readonly #waiting: Array<() => void> = [];
  #timer: NodeJS.Timeout | undefined;

  constructor(options: { readonly qps: number; readonly burst: number }) {
    if (!(options.qps > 0) || !(options.burst >= 1)) throw new RangeError("qps must be > 0 and burst >= 1");
    this.#qps = options.qps;
    this.#burst = Math.floor(options.burst);
    this.#tokens = this.#burst;
    this.#refilledAt = performance.now();
  }

  /** Resolves when the request may be sent; requests are served in arrival order. */
  acquire(): Promise<void> {
    this.#refill();
    if (this.#waiting.length === 0 && this.#tokens >= 1) {
      this.#tokens -= 1;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.#waiting.push(resolve);
      this.#schedule();
    });
  }

  /** Releases every waiter at once (on shutdown), so nothing hangs on the limiter. */
  drain(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const resolve of this.#waiting.splice(0)) resolve();
  }

  #refill(): void {
    const now = performance.now();
    this.#tokens = Math.min(this.#burst, this.#tokens + ((now - this.#refilledAt) / 1000) * this.#qps);
    this.#refilledAt = now;
  }

  #schedule(): void {
    if (this.#timer !== undefined) return;
    const waitMs = Math.max(0, ((1 - this.#tokens) / this.#qps) * 1000);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#refill();
      while (this.#waiting.length > 0 && this.#tokens >= 1) {
        this.#tokens -= 1;
        this.#waiting.shift()!();
      }
      if (this.#waiting.length > 0) this.#schedule();
    }, waitMs);
    this.#timer.unref();
  }
}
