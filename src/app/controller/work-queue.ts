import type { Lane } from "../../domain/lifecycle/decide-run-command.ts";

export type { Lane };

/**
 * Run keys waiting for a worker. Two lanes: `live` (runs that completed while we watched, and
 * retries) is always served before `backlog` (unsigned runs found at start-up), and the backlog
 * is served newest completion first, so history never starves fresh builds (reference defect #9).
 * A key is queued at most once.
 */

interface BacklogItem {
  readonly key: string;
  readonly completedAt: number;
}

export class WorkQueue {
  private readonly live: Array<string> = [];
  /** Sorted by completion time ascending; the newest is taken from the end. */
  private readonly backlog: Array<BacklogItem> = [];
  private readonly queued = new Map<string, Lane>();
  private readonly waiters: Array<(key: string | undefined) => void> = [];
  private closed = false;

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

  /** Resolves with the next key, or `undefined` once the queue is closed. */
  take(): Promise<string | undefined> {
    const next = this.next();
    if (next !== undefined || this.closed) return Promise.resolve(next);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Stops handing out keys; pending `take` calls resolve with `undefined`. */
  close(): void {
    this.closed = true;
    for (const waiter of this.waiters.splice(0)) waiter(undefined);
  }

  private next(): string | undefined {
    const key = this.live.shift() ?? this.backlog.pop()?.key;
    if (key !== undefined) this.queued.delete(key);
    return key;
  }

  private wake(): void {
    while (this.waiters.length > 0) {
      const key = this.next();
      if (key === undefined) return;
      this.waiters.shift()!(key);
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
