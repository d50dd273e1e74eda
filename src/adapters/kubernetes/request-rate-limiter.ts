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
 *
 * Live-first alone would starve the backlog for good whenever live traffic exceeds the QPS (Lease
 * renewals count as live: many buckets with a short retry period can do it). So a backlog request
 * that has waited `starvationBoundMs` goes next, ahead of live requests and without the reserve.
 */
export class RequestRateLimiter {
  readonly #qps: number;
  readonly #burst: number;
  /** Tokens only live requests may take: a fifth of the burst, and at least one when the burst leaves room. */
  readonly reserve: number;
  /** How long a backlog request may wait before it goes ahead of live ones: two full refills, at least 1 s. */
  readonly starvationBoundMs: number;
  #tokens: number;
  #refilledAt: number;
  readonly #waiting: Record<Lane, Array<{ readonly resolve: () => void; readonly since: number }>> = { live: [], backlog: [] };
  #timer: NodeJS.Timeout | undefined;

  constructor(options: { readonly qps: number; readonly burst: number }) {
    if (!(options.qps > 0) || !(options.burst >= 1)) throw new RangeError("qps must be > 0 and burst >= 1");
    this.#qps = options.qps;
    this.#burst = Math.floor(options.burst);
    this.reserve = Math.min(this.#burst - 1, Math.max(1, Math.floor(this.#burst / 5)));
    this.starvationBoundMs = Math.max(1_000, (2_000 * this.#burst) / this.#qps);
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
      this.#waiting[lane].push({ resolve, since: performance.now() });
      this.#schedule();
    });
  }

  /** Releases every waiter at once (on shutdown), so nothing hangs on the limiter. */
  drain(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const { resolve } of [...this.#waiting.live.splice(0), ...this.#waiting.backlog.splice(0)]) resolve();
  }

  /** Tokens the bucket must hold for one request of `lane` to go. */
  #needs(lane: Lane): number {
    return lane === "live" || this.#backlogStarved() ? 1 : 1 + this.reserve;
  }

  /** The oldest waiting backlog request has waited its bound. */
  #backlogStarved(): boolean {
    const oldest = this.#waiting.backlog[0];
    return oldest !== undefined && performance.now() - oldest.since >= this.starvationBoundMs;
  }

  /** Whether a request of `lane` arriving now would queue behind another. */
  #anyAhead(lane: Lane): boolean {
    return this.#waiting.live.length > 0 || this.#backlogStarved() || (lane === "backlog" && this.#waiting.backlog.length > 0);
  }

  /** The lane whose request goes next: live while any waits. */
  #nextLane(): Lane | undefined {
    if (this.#backlogStarved()) return "backlog";
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
      this.#waiting[lane].shift()!.resolve();
    }
    this.#schedule();
  }

  /** Rescheduled on every new waiter: a live request may be due before the backlog's. */
  #schedule(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    const lane = this.#nextLane();
    if (lane === undefined) return;
    const forTokens = Math.ceil(((this.#needs(lane) - this.#tokens) / this.#qps) * 1000);
    // A waiting backlog request is looked at again when it reaches its bound.
    const oldest = this.#waiting.backlog[0];
    const forBound = oldest === undefined ? Infinity : Math.ceil(oldest.since + this.starvationBoundMs - performance.now());
    const waitMs = Math.max(0, Math.min(forTokens, forBound));
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#serve();
    }, waitMs);
    this.#timer.unref();
  }
}
