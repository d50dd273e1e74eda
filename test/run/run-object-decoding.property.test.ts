import fc from "fast-check";
import { Result } from "effect";
import { describe, expect, it } from "vitest";
import { sampleRuns } from "../../src/app/demo/sample-runs.ts";
import { decodeRunObject, decodeRunObjectBySchema } from "../../src/domain/run/run-object.ts";

/** Every place the decoder looks at, down to an element of each array it checks. */
const paths = [
  "apiVersion", "kind", "metadata", "metadata.name", "metadata.namespace", "metadata.uid", "metadata.resourceVersion",
  "metadata.labels", "metadata.labels.team", "metadata.annotations", "metadata.annotations.a", "metadata.finalizers",
  "metadata.finalizers.0", "metadata.deletionTimestamp", "metadata.ownerReferences", "metadata.ownerReferences.0",
  "metadata.ownerReferences.0.kind", "metadata.ownerReferences.0.uid", "metadata.ownerReferences.0.controller", "spec",
  "spec.managedBy", "spec.serviceAccountName", "status", "status.conditions", "status.conditions.0",
  "status.conditions.0.type", "status.conditions.0.reason", "status.startTime", "status.completionTime",
  "status.childReferences", "status.childReferences.0", "status.childReferences.0.name", "status.childReferences.0.kind",
  "extra",
];

const valueOrJunk = fc.oneof(
  fc.constant(undefined),
  fc.constant("delete"),
  fc.string(),
  fc.boolean(),
  fc.array(fc.string(), { maxLength: 2 }),
  fc.dictionary(fc.string(), fc.string(), { maxKeys: 2 }),
  fc.constantFrom("tekton.dev/v1beta1", "PipelineRun", "__proto__"),
  fc.jsonValue({ maxDepth: 2 }),
);

/** A full-featured run: labels, annotations, finalizers, an owner, conditions and child references. */
const fullRun = (): Record<string, unknown> => {
  const run = structuredClone(sampleRuns().taskRuns[0]!) as unknown as Record<string, any>;
  run["metadata"] = {
    ...run["metadata"],
    uid: "u-1",
    resourceVersion: "7",
    annotations: { a: "1" },
    finalizers: ["chains.tekton.dev/taskrun"],
    deletionTimestamp: "2026-11-23T09:10:00Z",
    ownerReferences: [{ apiVersion: "tekton.dev/v1", kind: "PipelineRun", name: "p", uid: "u-0", controller: true }],
  };
  run["spec"] = { ...run["spec"], managedBy: "tekton.dev/pipeline" };
  run["status"] = { ...run["status"], childReferences: [{ name: "c", kind: "TaskRun", pipelineTaskName: "t" }] };
  return run;
};

const setAt = (target: Record<string, unknown>, path: string, value: unknown): void => {
  const keys = path.split(".");
  let node: unknown = target;
  for (const key of keys.slice(0, -1)) {
    if (typeof node !== "object" || node === null) return;
    node = (node as Record<string, unknown>)[key];
  }
  if (typeof node !== "object" || node === null) return;
  const last = keys[keys.length - 1]!;
  if (value === "delete") delete (node as Record<string, unknown>)[last];
  else (node as Record<string, unknown>)[last] = value;
};

describe("run decoding", () => {
  // Whatever fields are changed, removed or set to junk, decodeRunObject's result equals the schema's decoding (value, or failure).
  it("agrees with the schema on runs with any field changed", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom(...paths), valueOrJunk), { maxLength: 4 }), (changes) => {
        const run = fullRun();
        for (const [path, value] of changes) setAt(run, path, value);
        const bySchema = decodeRunObjectBySchema(run);
        const decoded = decodeRunObject(run);
        if (Result.isFailure(bySchema)) expect(Result.isFailure(decoded)).toBe(true);
        else expect(Result.getOrThrow(decoded)).toStrictEqual(bySchema.success);
      }),
      { numRuns: 2_000 },
    );
  });

  it("agrees with the schema on values that are not runs at all", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(Result.isFailure(decodeRunObject(value))).toBe(Result.isFailure(decodeRunObjectBySchema(value)));
      }),
    );
  });
});
