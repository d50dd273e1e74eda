import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { InMemoryArtifactStore } from "../../src/adapters/memory/in-memory-artifact-store.ts";
import { ManualClock } from "../../src/adapters/memory/manual-clock.ts";
import { sampleRuns } from "../../src/app/demo/sample-runs.ts";
import { EmbeddedChains } from "../../src/app/harness/embedded-chains.ts";
import { advancing } from "../support/manual-time.ts";

const backends = ["archivista", "gcs", "grafeas"] as const;

describe("storing in several backends (in-memory fakes)", () => {
  // However many times each backend fails first (within the retry budget), a run ends signed with
  // every backend holding its provenance exactly once: a retry stores only where the pass failed.
  it("stores in all, and a retry stores only in the backends that failed", async () => {
    await fc.assert(
      fc.asyncProperty(fc.tuple(fc.nat(2), fc.nat(2), fc.nat(2)), async (failures) => {
        const stores = backends.map((name) => new InMemoryArtifactStore(name));
        stores.forEach((store, i) => store.failNext(failures[i]!, `injected: ${store.name} unavailable`));
        const clock = new ManualClock();
        const chains = await EmbeddedChains.start({
          config: { "artifacts.taskrun.storage": backends.join(",") },
          stores,
          clock,
        });
        try {
          const ref = chains.createRun(sampleRuns().taskRuns[1]!);
          chains.completeRun(ref);
          expect(await advancing(clock, chains.awaitSigned(ref), "the run signed")).toBe("true");
          for (const store of stores) expect(store.stored().map((s) => s.artifactId), store.name).toHaveLength(1);
        } finally {
          await chains.stop();
        }
      }),
      { numRuns: 15 },
    );
  });
});
