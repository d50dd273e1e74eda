import { describe, expect, it } from "vitest";
import { WorkQueue } from "../../src/app/controller/work-queue.ts";

const drain = async (queue: WorkQueue): Promise<Array<string>> => {
  const keys: Array<string> = [];
  while (queue.size > 0) keys.push((await queue.take())!);
  return keys;
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

  it("makes take wait for work, and close release every waiter", async () => {
    const queue = new WorkQueue();
    const waiting = queue.take();
    queue.add("x", "live");
    expect(await waiting).toBe("x");
    const stranded = [queue.take(), queue.take()];
    queue.close();
    expect(await Promise.all(stranded)).toEqual([undefined, undefined]);
    queue.add("late", "live");
    expect(await queue.take()).toBeUndefined();
  });
});
