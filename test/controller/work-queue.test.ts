import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type Lane, WorkQueue } from "../../src/app/controller/work-queue.ts";
import type { RequestLane } from "../../src/ports/request-lane.ts";

/** A request lane that records the lane each piece of work ran in. */
const recordingLanes = () => {
  let current: Lane = "live";
  const lanes: RequestLane["Service"] = {
    current: () => current,
    within: (lane, work) => {
      const outer = current;
      current = lane;
      try {
        return work();
      } finally {
        current = outer;
      }
    },
  };
  return lanes;
};

/** What one worker is handed until the queue is empty. */
const drain = async (queue: WorkQueue): Promise<Array<string>> => {
  const keys: Array<string> = [];
  if (queue.size === 0) return keys;
  await queue.serve(async (key) => {
    keys.push(key);
    if (queue.size === 0) queue.close();
  });
  return keys;
};

/** A promise and its resolver, to hold a handler in flight. */
const gate = () => {
  let open: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
};

describe("work queue", () => {
  it("serves live runs before the backlog, and the backlog newest completion first", async () => {
    const queue = new WorkQueue();
    queue.add("old", "backlog", 1_000);
    queue.add("newest", "backlog", 3_000);
    queue.add("live-1", "live");
    queue.add("middle", "backlog", 2_000);
    queue.add("live-2", "live");
    expect(await drain(queue)).toEqual(["live-1", "live-2", "newest", "middle", "old"]);
  });

  it("queues a key once, and moves a backlog key to the live lane when it is added live", async () => {
    const queue = new WorkQueue();
    queue.add("a", "backlog", 1);
    queue.add("b", "backlog", 2);
    queue.add("a", "backlog", 1);
    queue.add("a", "live");
    queue.add("a", "live");
    expect(await drain(queue)).toEqual(["a", "b"]);
  });

  it("has workers wait for work, and return on close once their key is handled", async () => {
    const queue = new WorkQueue();
    const handled: Array<string> = [];
    const workers = [queue.serve(async (key) => void handled.push(key)), queue.serve(async (key) => void handled.push(key))];
    queue.add("x", "live");
    await Promise.resolve();
    expect(handled).toEqual(["x"]);
    queue.close();
    await Promise.all(workers);
    queue.add("late", "live");
    expect(handled).toEqual(["x"]);
    expect(queue.size).toBe(0);
  });

  it("keeps one of several workers from the backlog, so a live run is taken while the backlog is in flight", async () => {
    const queue = new WorkQueue();
    for (let i = 0; i < 5; i++) queue.add(`old-${i}`, "backlog", i);
    const held = new Map<string, ReturnType<typeof gate>>();
    const handle = (key: string) => {
      const g = gate();
      held.set(key, g);
      return g.opened;
    };
    const workers = [queue.serve(handle), queue.serve(handle), queue.serve(handle)];
    await Promise.resolve();
    // Three workers: two take the backlog, one waits for live work.
    expect([...held.keys()]).toEqual(["old-4", "old-3"]);
    queue.add("fresh", "live");
    await Promise.resolve();
    expect([...held.keys()]).toEqual(["old-4", "old-3", "fresh"]);
    held.get("old-4")!.open();
    await new Promise((resolve) => setImmediate(resolve));
    expect([...held.keys()]).toEqual(["old-4", "old-3", "fresh", "old-2"]);
    queue.close();
    for (const g of held.values()) g.open();
    await Promise.all(workers);
  });

  it("gives the backlog the only worker there is", async () => {
    const queue = new WorkQueue();
    queue.add("old", "backlog", 1);
    queue.add("older", "backlog", 0);
    expect(await drain(queue)).toEqual(["old", "older"]);
  });

  it("has a worker handle each key in the lane it was queued in, one at a time, until the queue closes", async () => {
    const lanes = recordingLanes();
    const queue = new WorkQueue(lanes);
    queue.add("old", "backlog", 1);
    queue.add("fresh", "live");
    const handled: Array<string> = [];
    let inFlight = 0;
    const worker = queue.serve(async (key) => {
      // The lane as the handler starts: the part of a pass that sends its first request.
      handled.push(`${key}:${lanes.current()}`);
      inFlight += 1;
      expect(inFlight).toBe(1);
      await Promise.resolve();
      inFlight -= 1;
      if (key === "old") queue.close();
    });
    await worker;
    expect(handled).toEqual(["fresh:live", "old:backlog"]);
  });
});

type Add = readonly [key: string, lane: Lane, completedAt: number];

/** The queue's contract as a plain list: what draining must yield after these adds. */
const expectedOrder = (adds: ReadonlyArray<Add>): Array<string> => {
  const live: Array<string> = [];
  const backlog: Array<{ key: string; completedAt: number; seq: number }> = [];
  adds.forEach(([key, lane, completedAt], seq) => {
    if (live.includes(key)) return;
    const queued = backlog.findIndex((item) => item.key === key);
    if (queued >= 0 && lane === "backlog") return;
    if (queued >= 0) backlog.splice(queued, 1);
    if (lane === "live") live.push(key);
    else backlog.push({ key, completedAt, seq });
  });
  // Newest completion first; between equal completion times, the later arrival first.
  backlog.sort((a, b) => b.completedAt - a.completedAt || b.seq - a.seq);
  return [...live, ...backlog.map((item) => item.key)];
};

describe("work queue ordering", () => {
  // Whatever the adds, draining yields each queued key once: the live lane in arrival order, then the backlog newest completion first.
  it("matches its contract for any sequence of adds", async () => {
    const add = fc.tuple(
      fc.constantFrom("a", "b", "c", "d", "e", "f"),
      fc.constantFrom<Lane>("live", "backlog"),
      fc.integer({ min: 0, max: 5 }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(add, { maxLength: 30 }), async (adds) => {
        const queue = new WorkQueue();
        for (const [key, lane, completedAt] of adds) queue.add(key, lane, completedAt);
        const drained = await drain(queue);
        expect(drained).toEqual(expectedOrder(adds));
        expect(new Set(drained).size).toBe(drained.length);
      }),
      { numRuns: 300 },
    );
  });
});
