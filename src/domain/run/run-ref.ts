import type { RunKind, RunObject } from "./run-object.ts";

/** Identifies a run across events. The uid tells a re-created run apart from its predecessor. */
export interface RunRef {
  readonly kind: RunKind;
  readonly namespace: string;
  readonly name: string;
}

export const runRefOf = (run: RunObject): RunRef => ({
  kind: run.kind,
  namespace: run.metadata.namespace,
  name: run.metadata.name,
});

/** Stable string key for maps and queues. */
export const runKey = (ref: RunRef): string => `${ref.kind}/${ref.namespace}/${ref.name}`;

/**
 * The identity of an object that may not decode as a run (e.g. a malformed status), so that an
 * Event can still be recorded on it; `undefined` when it has no run kind, name and namespace.
 */
export const runRefOfRaw = (value: unknown): RunRef | undefined => {
  if (typeof value !== "object" || value === null) return undefined;
  const { kind, metadata } = value as { kind?: unknown; metadata?: unknown };
  if ((kind !== "TaskRun" && kind !== "PipelineRun") || typeof metadata !== "object" || metadata === null) return undefined;
  const { name, namespace } = metadata as { name?: unknown; namespace?: unknown };
  return typeof name === "string" && name !== "" && typeof namespace === "string" && namespace !== ""
    ? { kind, namespace, name }
    : undefined;
};
