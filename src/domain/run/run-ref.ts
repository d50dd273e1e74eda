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
