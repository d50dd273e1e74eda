import { asyncLocalRequestLane } from "../../adapters/node/async-local-request-lane.ts";
import type { Lane } from "../../domain/lifecycle/decide-run-command.ts";
import type { RequestLane } from "../../ports/request-lane.ts";

export type { Lane };

/**
 * Run keys waiting for a worker. Two lanes: `live` (runs that completed while we watched, and
 * retries) is always served before `backlog` (unsigned runs found at start-up), and the backlog
 * is served newest completion first, so history never starves fresh builds (reference defect #9).
 * A key is queued at most once. A worker handles a key in its lane (`RequestLane`), so the API
 * requests of its pass keep the priority the queue gave it; and with two workers or more, one is
 * kept from the backlog, so a live run never waits for a backlog pass to end (most of such a pass
 * is a wait for the API rate limiter, which would hold every worker while a backlog drains).
 */

interface BacklogItem {
  readonly key: string;
  readonly completedAt: number;
}

interface Taken {
  readonly key: string;
  readonly lane: Lane;
}

export class WorkQueue {
  private readonly live: Array<string> = [];
  /** Sorted by completion time ascending; the newest is taken from the end. */
  private readonly backlog: Array<BacklogItem> = [];
  private readonly queued = new Map<string, Lane>();
  private readonly waiters: Array<(taken: Taken | undefined) => void> = [];
  private closed = false;
  private workers = 0;
  private backlogInFlight = 0;
  private readonly lanes: RequestLane["Service"];

  constructor(lanes: RequestLane["Service"] = asyncLocalRequestLane) {
    this.lanes = lanes;
  }

  get size(): number {
    return this.queued.size;
  }

  has(key: string): boolean {
    return this.queued.has(key);
  }

  /** Adds a key; a key already in the backlog moves to the live lane when it is re-added live. */
  add(key: string, lane: Lane, completedAt = 0): void {
    if (this.closed) return;
    const current = this.queued.get(key);
    if (current === "live" || (current === "backlog" && lane === "backlog")) return;
    if (current === "backlog") this.backlog.splice(this.backlogIndexOf(key), 1);
    this.queued.set(key, lane);
    if (lane === "live") this.live.push(key);
    else this.backlog.splice(this.insertionPoint(completedAt), 0, { key, completedAt });
    this.wake();
  }

  /** One worker: hands keys to `handle` one at a time, each within its lane, until the queue is closed. */
  async serve(handle: (key: string) => Promise<void>): Promise<void> {
    this.workers += 1;
    try {
      for (let taken = await this.take(); taken !== undefined; taken = await this.take()) {
        const { key, lane } = taken;
        try {
          await this.lanes.within(lane, () => handle(key));
        } finally {
          if (lane === "backlog") {
            this.backlogInFlight -= 1;
            this.wake();
          }
        }
      }
    } finally {
      this.workers -= 1;
    }
  }

  /** Stops handing out keys; every worker returns once its current key is handled. */
  close(): void {
    this.closed = true;
    for (const waiter of this.waiters.splice(0)) waiter(undefined);
  }

  private take(): Promise<Taken | undefined> {
    if (this.closed) return Promise.resolve(undefined);
    const next = this.next();
    if (next !== undefined) return Promise.resolve(next);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private next(): Taken | undefined {
    const key = this.live.shift() ?? (this.backlogInFlight < this.backlogWorkers() ? this.backlog.pop()?.key : undefined);
    if (key === undefined) return undefined;
    const lane = this.queued.get(key)!;
    this.queued.delete(key);
    if (lane === "backlog") this.backlogInFlight += 1;
    return { key, lane };
  }

  /** Workers the backlog may hold: all but one, so a live run finds one free; the only one if there is one. */
  private backlogWorkers(): number {
    return Math.max(1, this.workers - 1);
  }

  private wake(): void {
    while (this.waiters.length > 0) {
      const taken = this.next();
      if (taken === undefined) return;
      this.waiters.shift()!(taken);
    }
  }

  private insertionPoint(completedAt: number): number {
    let low = 0;
    let high = this.backlog.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.backlog[mid]!.completedAt <= completedAt) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  private backlogIndexOf(key: string): number {
    return this.backlog.findIndex((item) => item.key === key);
  }
}
