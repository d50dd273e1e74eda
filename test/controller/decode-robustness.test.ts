import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { RunJson } from "../../src/adapters/memory/run-json.ts";
import { sampleRuns } from "../../src/app/demo/sample-runs.ts";
import { EmbeddedChains } from "../../src/app/harness/embedded-chains.ts";
import { decodeRunObject } from "../../src/domain/run/run-object.ts";

/** Objects that look like runs at the top but carry arbitrary values in every field. */
const runLike = fc.record({
  apiVersion: fc.oneof(fc.constant("tekton.dev/v1"), fc.constant("tekton.dev/v1beta1"), fc.jsonValue()),
  kind: fc.oneof(fc.constant("TaskRun"), fc.constant("PipelineRun")),
  metadata: fc.record({ name: fc.string({ minLength: 1, maxLength: 8 }), namespace: fc.constant("default") }, { requiredKeys: ["name", "namespace"] }).chain((meta) =>
    fc.record({ annotations: fc.jsonValue(), labels: fc.jsonValue(), finalizers: fc.jsonValue(), uid: fc.jsonValue() }, { requiredKeys: [] }).map((extra) => ({ ...extra, ...meta })),
  ),
  spec: fc.jsonValue(),
  status: fc.oneof(
    fc.jsonValue(),
    fc.record({ conditions: fc.jsonValue(), completionTime: fc.jsonValue(), results: fc.jsonValue(), steps: fc.jsonValue(), childReferences: fc.jsonValue() }, { requiredKeys: [] }),
  ),
});

describe("decoding untrusted run objects", () => {
  // Any JSON value given to the run decoder yields a run or a typed decode error, never an exception.
  it("never throws", () => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), runLike), (value) => {
        const decoded = decodeRunObject(value);
        expect(["Success", "Failure"]).toContain(decoded._tag);
      }),
      { numRuns: 500 },
    );
  });

  // However malformed the objects in the cluster are, the controller keeps running and still signs a valid run.
  it("keeps signing valid runs whatever else the watch delivers", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(runLike, { maxLength: 6 }), async (junk) => {
        const chains = await EmbeddedChains.start();
        try {
          junk.forEach((object, i) => {
            const named = { ...object, metadata: { ...object.metadata, name: `junk-${i}` } } as unknown as RunJson;
            chains.cluster.createRun(named);
          });
          const ref = chains.createRun(sampleRuns().taskRuns[0]!);
          chains.completeRun(ref);
          expect(await chains.awaitSigned(ref)).toBe("true");
        } finally {
          await chains.stop();
        }
      }),
      { numRuns: 30 },
    );
  });
});
