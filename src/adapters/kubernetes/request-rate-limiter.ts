import type { Lane } from "../../domain/lifecycle/decide-run-command.ts";

/**
 * A token bucket over every API request (`--kube-api-qps`, `--kube-api-burst`), as client-go's
 * default rate limiter: up to `burst` requests at once, refilled at `qps` per second. Values are
 * used as given (reference defect #23: no doubling).
 *
 * Requests carry the work queue's lane, so its priority does not stop here: a waiting `live`
 * request is sent before any waiting `backlog` request, and the backlog never takes the last
 * `reserve` tokens, so a run completed while a backlog drains finds tokens ready. The reserve
 * costs the backlog nothing once it is reached: the bucket still refills at `qps`, and with no
 * live work every refilled token goes to the backlog. Within a lane, requests are served in
 * arrival order.
 */
export class RequestRateLimiter {
  readonly #qps: number;
  readonly #burst: number;
  /** Tokens only live requests may take: a fifth of the burst, and at least one when the burst leaves room. */
  readonly reserve: number;
  #tokens: number;
  #refilledAt: number;
  readonly #waiting: Record<Lane, Array<() => void>> = { live: [], backlog: [] };
  #timer: NodeJS.Timeout | undefined;

  constructor(options: { readonly qps: number; readonly burst: number }) {
    if (!(options.qps > 0) || !(options.burst >= 1)) throw new RangeError("qps must be > 0 and burst >= 1");
    this.#qps = options.qps;
    this.#burst = Math.floor(options.burst);
    this.reserve = Math.min(this.#burst - 1, Math.max(1, Math.floor(this.#burst / 5)));
    this.#tokens = this.#burst;
    this.#refilledAt = performance.now();
  }

  /** Resolves when a request of `lane` may be sent. */
  acquire(lane: Lane): Promise<void> {
    this.#refill();
    if (!this.#anyAhead(lane) && this.#tokens >= this.#needs(lane)) {
      this.#tokens -= 1;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.#waiting[lane].push(resolve);
      this.#schedule();
    });
  }

  /** Releases every waiter at once (on shutdown), so nothing hangs on the limiter. */
  drain(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const resolve of [...this.#waiting.live.splice(0), ...this.#waiting.backlog.splice(0)]) resolve();
  }

  /** Tokens the bucket must hold for one request of `lane` to go. */
  #needs(lane: Lane): number {
    return lane === "live" ? 1 : 1 + this.reserve;
  }

  /** Whether a request of `lane` arriving now would queue behind another. */
  #anyAhead(lane: Lane): boolean {
    return this.#waiting.live.length > 0 || (lane === "backlog" && this.#waiting.backlog.length > 0);
  }

  /** The lane whose request goes next: live while any waits. */
  #nextLane(): Lane | undefined {
    if (this.#waiting.live.length > 0) return "live";
    return this.#waiting.backlog.length > 0 ? "backlog" : undefined;
  }

  #refill(): void {
    const now = performance.now();
    this.#tokens = Math.min(this.#burst, this.#tokens + ((now - this.#refilledAt) / 1000) * this.#qps);
    this.#refilledAt = now;
  }

  /** Sends what the bucket allows, then sets the timer for the next request that waits. */
  #serve(): void {
    this.#refill();
    for (let lane = this.#nextLane(); lane !== undefined && this.#tokens >= this.#needs(lane); lane = this.#nextLane()) {
      this.#tokens -= 1;
      this.#waiting[lane].shift()!();
    }
    this.#schedule();
  }

  /** Rescheduled on every new waiter: a live request may be due before the backlog's. */
  #schedule(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    const lane = this.#nextLane();
    if (lane === undefined) return;
    const waitMs = Math.max(0, Math.ceil(((this.#needs(lane) - this.#tokens) / this.#qps) * 1000));
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#serve();
    }, waitMs);
    this.#timer.unref();
  }
}
