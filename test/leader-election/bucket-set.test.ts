import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BucketSet } from "../../src/domain/leader-election/bucket-set.ts";
import { fnv1a64, fnv64Hex } from "../../src/domain/leader-election/fnv-1a-64.ts";
import { MAX_BUCKETS } from "../../src/domain/leader-election/leader-election-config.ts";
import { bucketLeaseName, bucketLeaseNames, leaseNameFor } from "../../src/domain/leader-election/lease-names.ts";

/** The same hash with BigInt arithmetic, straight from the FNV-1a definition. */
const fnvByDefinition = (text: string): string => {
  let hash = 0xcbf29ce484222325n;
  for (const byte of new TextEncoder().encode(text)) hash = BigInt.asUintN(64, (hash ^ BigInt(byte)) * 0x100000001b3n);
  return hash.toString(16);
};

const kubernetesName = fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,30}[a-z0-9])?$/);
const runKey = fc.tuple(kubernetesName, kubernetesName).map(([namespace, name]) => `${namespace}/${name}`);

describe("FNV-1a 64", () => {
  it("gives the published test vectors", () => {
    expect(fnv64Hex(fnv1a64(""))).toBe("cbf29ce484222325");
    expect(fnv64Hex(fnv1a64("a"))).toBe("af63dc4c8601ec8c");
    expect(fnv64Hex(fnv1a64("foobar"))).toBe("85944171f73967e8");
  });

  // For any text, the 32-bit-halves hash equals the 64-bit definition, and hashing a + b equals
  // hashing b from the hash of a.
  it("matches the definition and continues from a hash", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme" }), fc.string(), (a, b) => {
        expect(fnv64Hex(fnv1a64(a + b))).toBe(fnvByDefinition(a + b));
        expect(fnv1a64(b, fnv1a64(a))).toEqual(fnv1a64(a + b));
      }),
    );
  });
});

describe("knative's bucket set", () => {
  // knative.dev/pkg hash/bucketer_test.go and hash_test.go: the owners it expects.
  it("picks the owners knative's own tests expect", () => {
    const buckets = new BucketSet(["monsoon", "chubasco", "aguacero", "chaparrón"]);
    expect(buckets.owner("hagel")).toBe("monsoon");
    expect(buckets.owner("snow")).toBe("chubasco");
    expect(buckets.owner("snow/hail")).toBe("monsoon");
    const fewer = new BucketSet(["monsoon", "aguacero", "chaparrón"]);
    expect(fewer.owner("hagel")).toBe("monsoon");
    expect(fewer.owner("snow")).not.toBe("chubasco");
    expect(buckets.names).toEqual(["aguacero", "chaparrón", "chubasco", "monsoon"]);
  });

  it("resolves two names on one angle, as knative's collision test sets up", () => {
    const [key1, key2, target] = ["b08006d4-81f9-42ee-808b-ea18a39cbd83", "c9dc8df4-8c8d-4077-8750-6d2c2113a23b", "e68a64e1-19d8-4855-9ffa-04f49223a059"];
    expect(fnv1a64(key1 + target).lo % 2048).toBe(fnv1a64(key2 + target).lo % 2048);
    // Each of the two owns some targets: the re-hashed one got an angle of its own.
    const pair = new BucketSet([key1, key2]);
    expect([key1, key2]).toContain(pair.owner(target));
    const owners = new Set(Array.from({ length: 200 }, (_, i) => pair.owner(`${target}-${i}`)));
    expect(owners).toEqual(new Set([key1, key2]));
  });

  // For any number of buckets (1 to 10) and any run, exactly one bucket owns the run, the same one
  // whatever order the names are given in and however often it is asked.
  it("puts every run in exactly one bucket, stably", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: MAX_BUCKETS }), runKey, fc.infiniteStream(fc.nat()), (count, key, order) => {
        const names = bucketLeaseNames("TaskRun", count);
        const shuffled = [...names].sort(() => (order.next().value % 3) - 1);
        const owner = new BucketSet(names).owner(key);
        expect(names.filter((name) => name === owner)).toHaveLength(1);
        expect(new BucketSet(shuffled).owner(key)).toBe(owner);
        expect(new BucketSet(names).owner(key)).toBe(owner);
      }),
    );
  });

  it("spreads runs over the buckets", () => {
    for (const count of [2, 3, 5, 10]) {
      const buckets = new BucketSet(bucketLeaseNames("TaskRun", count));
      const runs = 4_000;
      const perBucket = new Map<string, number>();
      for (let i = 0; i < runs; i++) {
        const owner = buckets.owner(`team-${i % 7}/build-${i}`);
        perBucket.set(owner, (perBucket.get(owner) ?? 0) + 1);
      }
      expect(perBucket.size).toBe(count);
      // knative's own bound on skew is 20 % from even; a share under half of even would halve a replica's work.
      for (const share of perBucket.values()) expect(share).toBeGreaterThan(runs / count / 2);
    }
  });
});

describe("bucket Lease names", () => {
  it("are knative's standard names: two-digit ordinal and count, lowercased", () => {
    expect(bucketLeaseNames("TaskRun", 2)).toEqual([
      "watcher.github.com.tektoncd.chains.pkg.reconciler.taskrun.reconciler.00-of-02",
      "watcher.github.com.tektoncd.chains.pkg.reconciler.taskrun.reconciler.01-of-02",
    ]);
    expect(bucketLeaseName("PipelineRun", 9, 10)).toBe("watcher.github.com.tektoncd.chains.pkg.reconciler.pipelinerun.reconciler.09-of-10");
    expect(bucketLeaseNames("PipelineRun", 1)).toEqual([leaseNameFor("PipelineRun")]);
  });

  // For any bucket count, the names of both kinds are distinct, lowercase, and end in NN-of-MM.
  it("are distinct for every bucket of both kinds", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: MAX_BUCKETS }), (count) => {
        const names = [...bucketLeaseNames("TaskRun", count), ...bucketLeaseNames("PipelineRun", count)];
        expect(new Set(names).size).toBe(2 * count);
        for (const name of names) {
          expect(name).toBe(name.toLowerCase());
          expect(name).toMatch(new RegExp(`\\.\\d\\d-of-${String(count).padStart(2, "0")}$`));
        }
      }),
    );
  });
});
