import fc from "fast-check";
import { Result } from "effect";
import { describe, expect, it } from "vitest";
import type { RunJson } from "../../src/adapters/memory/run-json.ts";
import { sampleRuns } from "../../src/app/demo/sample-runs.ts";
import { EmbeddedChains } from "../../src/app/harness/embedded-chains.ts";
import { decodeRunObject } from "../../src/domain/run/run-object.ts";

/**
 * Mostly a value of the field's usual type, sometimes any JSON value instead: mostly, so that some
 * objects decode and reach the formatters and signers with odd values in the fields they do not check.
 */
const orJunk = <A>(usual: fc.Arbitrary<A>): fc.Arbitrary<unknown> =>
  fc.oneof({ arbitrary: usual, weight: 6 }, { arbitrary: fc.jsonValue(), weight: 1 });

const runStatus = fc.record(
  {
    conditions: orJunk(fc.array(fc.record({ type: orJunk(fc.constant("Succeeded")), status: orJunk(fc.constantFrom("True", "False", "Unknown")) }))),
    completionTime: orJunk(fc.constant("2026-11-23T09:05:00Z")),
    startTime: orJunk(fc.constant("2026-11-23T09:00:00Z")),
    results: orJunk(fc.array(fc.record({ name: orJunk(fc.constantFrom("IMAGE_URL", "IMAGE_DIGEST")), value: fc.jsonValue() }))),
    steps: fc.jsonValue(),
    childReferences: orJunk(fc.array(fc.record({ name: orJunk(fc.string()), kind: orJunk(fc.constant("TaskRun")) }))),
  },
  { requiredKeys: [] },
);

/** The metadata fields besides identity, each with its usual type or any JSON value. */
const metadataExtras = fc.record(
  {
    annotations: orJunk(fc.dictionary(fc.string(), fc.string())),
    labels: orJunk(fc.dictionary(fc.string(), fc.string())),
    finalizers: orJunk(fc.array(fc.string())),
    ownerReferences: orJunk(fc.constant([])),
  },
  { requiredKeys: [] },
);

/** Objects shaped like runs whose every field may carry a value of the wrong type. */
const runShaped = (identity: {
  kind: fc.Arbitrary<unknown>;
  name: fc.Arbitrary<unknown>;
  namespace: fc.Arbitrary<unknown>;
  uid: fc.Arbitrary<unknown>;
}) =>
  fc.record(
    {
      apiVersion: orJunk(fc.constantFrom("tekton.dev/v1", "tekton.dev/v1beta1")),
      kind: identity.kind,
      metadata: fc
        .tuple(metadataExtras, identity.name, identity.namespace, identity.uid)
        .map(([extras, name, namespace, uid]) => ({ ...extras, name, namespace, ...(uid === undefined ? {} : { uid }) })),
      spec: orJunk(
        fc.record({ managedBy: orJunk(fc.constantFrom("", "tekton.dev/pipeline")), serviceAccountName: orJunk(fc.string()) }, { requiredKeys: [] }),
      ),
      status: orJunk(runStatus),
    },
    { requiredKeys: ["apiVersion", "kind", "metadata"] },
  );

/** Anything the decoder might be handed, identity fields included. */
const anyRunShaped = runShaped({
  kind: orJunk(fc.constantFrom("TaskRun", "PipelineRun")),
  name: orJunk(fc.string({ minLength: 1, maxLength: 8 })),
  namespace: orJunk(fc.constant("default")),
  uid: fc.option(orJunk(fc.uuid()), { nil: undefined }),
});

/**
 * What the API server stores as a run: a run kind, a name, a namespace and a string uid (its own,
 * when none is given); everything else arbitrary.
 */
const storableRunShaped = runShaped({
  kind: fc.constantFrom("TaskRun", "PipelineRun"),
  name: fc.constant(""),
  namespace: fc.constantFrom("default", "team-a"),
  uid: fc.option(fc.uuid(), { nil: undefined }),
});

describe("decoding untrusted run objects", () => {
  // Any JSON value given to the run decoder yields a run (keeping the input as raw) or a typed decode error, never an exception.
  it("never throws", () => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), anyRunShaped), (value) => {
        const decoded = decodeRunObject(value);
        if (Result.isSuccess(decoded)) {
          expect(["TaskRun", "PipelineRun"]).toContain(decoded.success.kind);
          expect(decoded.success.raw).toBe(value);
        } else {
          expect(decoded.failure._tag).toBe("RunDecodeFailed");
          expect(typeof decoded.failure.reference).toBe("string");
        }
      }),
      { numRuns: 1_000 },
    );
  });

  // However malformed the runs in the cluster are, completed or not, the controller keeps running and still signs valid runs, before and after a restart.
  it("keeps signing valid runs whatever else the watch delivers", async () => {
    const junkRuns = fc.array(fc.tuple(storableRunShaped, fc.boolean()), { maxLength: 6 });
    await fc.assert(
      fc.asyncProperty(junkRuns, async (junk) => {
        const chains = await EmbeddedChains.start();
        try {
          junk.forEach(([object, complete], i) => {
            const named = { ...object, metadata: { ...object.metadata, name: `junk-${i}` } } as unknown as RunJson;
            const created = chains.cluster.createRun(named);
            if (complete) chains.completeRun({ kind: created.kind, namespace: created.metadata.namespace, name: created.metadata.name });
          });
          const [template] = sampleRuns().taskRuns;
          const valid = chains.createRun(template!);
          chains.completeRun(valid);
          expect(await chains.awaitSigned(valid)).toBe("true");

          // A fresh controller lists the same junk at start-up, a different path from the watch.
          await chains.restart();
          const later = chains.createRun({ ...template!, metadata: { ...template!.metadata, name: "after-restart" } });
          chains.completeRun(later);
          expect(await chains.awaitSigned(later)).toBe("true");
        } finally {
          await chains.stop();
        }
      }),
      { numRuns: 30 },
    );
  });
});
