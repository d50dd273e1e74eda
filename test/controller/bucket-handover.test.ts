import { afterEach, describe, expect, it } from "vitest";
import { InMemoryCluster } from "../../src/adapters/memory/in-memory-cluster.ts";
import type { Leadership, RunName } from "../../src/app/controller/leadership.ts";
import { EmbeddedChains } from "../../src/app/harness/embedded-chains.ts";
import { BucketSet } from "../../src/domain/leader-election/bucket-set.ts";
import { runKey, type RunRef } from "../../src/domain/run/run-ref.ts";
import { sampleTaskRun } from "../memory/run-fixtures.ts";

let running: Array<EmbeddedChains> = [];
afterEach(async () => {
  for (const chains of running) await chains.stop();
  running = [];
});

type Listener = Parameters<Leadership["subscribe"]>[0];

/** Two buckets whose holders the test moves by hand, so the order of events is fixed. */
const bucketBoard = () => {
  const buckets = new BucketSet(["bucket-0", "bucket-1"]);
  const holders = new Map<string, string>();
  const listeners = new Map<string, Set<Listener>>();
  const bucketOf = (run: RunName) => buckets.owner(`${run.namespace}/${run.name}`);
  const leadershipOf = (replica: string): Leadership => ({
    leads: (_kind, run) => holders.get(bucketOf(run)) === replica,
    subscribe: (listener) => {
      const mine = listeners.get(replica) ?? new Set();
      listeners.set(replica, mine.add(listener));
      return () => mine.delete(listener);
    },
  });
  const tell = (replica: string | undefined, bucket: string, leading: boolean) => {
    for (const listener of listeners.get(replica ?? "") ?? []) for (const kind of ["TaskRun", "PipelineRun"] as const) listener(kind, leading, (run) => bucketOf(run) === bucket);
  };
  /** `to` undefined: the bucket's holder loses it and nobody holds it. */
  const move = (bucket: string, to: string | undefined) => {
    const from = holders.get(bucket);
    if (to === undefined) holders.delete(bucket);
    else holders.set(bucket, to);
    tell(from, bucket, false);
    tell(to, bucket, true);
  };
  return { bucketOf, leadershipOf, move };
};

describe("runs moving between replicas with their bucket", () => {
  it("are signed only by their bucket's holder, wait unsigned while nobody holds it, and are signed from the cache by the replica that gains it", async () => {
    const cluster = new InMemoryCluster();
    const board = bucketBoard();
    board.move("bucket-0", "a");
    board.move("bucket-1", "b");
    const signedBy = new Map<string, string>();
    const replica = (name: string) =>
      EmbeddedChains.start({
        cluster,
        controller: { leadership: board.leadershipOf(name) },
        hooks: { onSettled: (ref, outcome) => void (outcome === "annotated" && signedBy.set(runKey(ref), name)) },
      });
    running = [await replica("a"), await replica("b")];
    const [a] = running;
    const complete = (names: ReadonlyArray<string>): Array<RunRef> =>
      names.map((name) => {
        const ref = a!.createRun(sampleTaskRun(name));
        a!.completeRun(ref);
        return ref;
      });
    const inBucket = (refs: ReadonlyArray<RunRef>, bucket: string) => refs.filter((ref) => board.bucketOf(ref) === bucket);

    const first = complete(Array.from({ length: 12 }, (_, i) => `first-${i}`));
    for (const ref of first) expect(await a!.awaitSigned(ref)).toBe("true");
    expect(inBucket(first, "bucket-0").length).toBeGreaterThan(0);
    expect(inBucket(first, "bucket-1").length).toBeGreaterThan(0);
    for (const ref of first) expect(signedBy.get(runKey(ref))).toBe(board.bucketOf(ref) === "bucket-0" ? "a" : "b");

    // a loses bucket-0 and nobody holds it: its runs wait, bucket-1's are signed.
    board.move("bucket-0", undefined);
    const second = complete(Array.from({ length: 12 }, (_, i) => `second-${i}`));
    for (const ref of inBucket(second, "bucket-1")) expect(await a!.awaitSigned(ref)).toBe("true");
    await cluster.settled();
    const waiting = inBucket(second, "bucket-0");
    expect(waiting.length).toBeGreaterThan(0);
    for (const ref of waiting) expect(a!.annotations(ref)["chains.tekton.dev/signed"]).toBeUndefined();

    // b gains bucket-0: it signs the waiting runs from what it has cached, with no new event.
    board.move("bucket-0", "b");
    for (const ref of waiting) {
      expect(await a!.awaitSigned(ref)).toBe("true");
      expect(signedBy.get(runKey(ref))).toBe("b");
    }
    for (const ref of [...first, ...second]) {
      const signingWrites = cluster.writes(ref).filter((w) => JSON.stringify(w).includes("chains.tekton.dev/signed"));
      expect(signingWrites).toHaveLength(1);
    }
  });
});
