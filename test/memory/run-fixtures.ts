import type { RunJson } from "../../src/adapters/memory/run-json.ts";
import { sampleRuns } from "../../src/app/demo/sample-runs.ts";
import type { RunKind } from "../../src/domain/run/run-object.ts";

export const runJson = (
  name: string,
  options: {
    readonly kind?: RunKind;
    readonly namespace?: string;
    readonly annotations?: Record<string, string>;
    readonly finalizers?: Array<string>;
  } = {},
): RunJson => ({
  apiVersion: "tekton.dev/v1",
  kind: options.kind ?? "TaskRun",
  metadata: {
    name,
    namespace: options.namespace ?? "default",
    ...(options.annotations === undefined ? {} : { annotations: options.annotations }),
    ...(options.finalizers === undefined ? {} : { finalizers: options.finalizers }),
  },
  spec: {},
});

/** The demo's plain TaskRun (no image) under another name and uid, still running. */
export const sampleTaskRun = (name: string): RunJson => {
  const base = structuredClone(sampleRuns().taskRuns[1]!);
  return { ...base, metadata: { ...base.metadata, name, uid: `uid-${name}` } };
};
