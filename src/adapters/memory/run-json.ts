import type { RunKind } from "../../domain/run/run-object.ts";
import type { RunRef } from "../../domain/run/run-ref.ts";
import { formatKubernetesTime } from "../../domain/serialization/rfc3339.ts";

/**
 * A TaskRun or PipelineRun as the in-memory cluster stores it: raw JSON with just enough typing
 * to find its identity. Everything else is kept verbatim, as the API server would.
 */
export interface RunJson {
  apiVersion?: string;
  kind: RunKind;
  metadata: RunJsonMetadata;
  [field: string]: unknown;
}

export interface RunJsonMetadata {
  name: string;
  namespace: string;
  uid?: string;
  resourceVersion?: string;
  annotations?: Record<string, string>;
  labels?: Record<string, string>;
  finalizers?: Array<string>;
  deletionTimestamp?: string;
  [field: string]: unknown;
}

export const refOfJson = (run: RunJson): RunRef => ({
  kind: run.kind,
  namespace: run.metadata.namespace,
  name: run.metadata.name,
});

/** `metav1.Time` text of a JS date, as the API server writes timestamps. */
export const kubernetesTimeOf = (date: Date): string =>
  formatKubernetesTime({ epochSeconds: Math.floor(date.getTime() / 1000), nanos: "000000000" });
