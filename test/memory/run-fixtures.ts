import type { RunJson } from "../../src/adapters/memory/run-json.ts";
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
