import { hostname } from "node:os";
import type { RunRef } from "../../domain/run/run-ref.ts";
import type { ClusterEvent } from "../../ports/cluster.ts";
import type { AdapterLog } from "./adapter-log.ts";
import { describeApiError } from "./api-errors.ts";
import type { KubeApi } from "./kube-api.ts";
import { TEKTON_GROUP } from "./run-resources.ts";
import type { TektonVersion } from "./tekton-api-version.ts";

/** The Events' source: distinct from Tekton Pipelines' `taskrun-controller` (reference defect #29). */
export const EVENT_COMPONENT = "chains-ts";

/**
 * Records a core/v1 Event about a run. Best effort: a failure is logged, never raised, since an
 * Event is a courtesy to users, not part of signing.
 */
export const makeEventRecorder =
  (options: { readonly api: KubeApi; readonly version: TektonVersion; readonly uidOf: (ref: RunRef) => string | undefined; readonly log: AdapterLog }) =>
  async (ref: RunRef, event: ClusterEvent): Promise<void> => {
    const now = new Date();
    const uid = options.uidOf(ref);
    try {
      await options.api.call((a) =>
        a.core.createNamespacedEvent({
          namespace: ref.namespace,
          body: {
            metadata: { generateName: `${ref.name}.`, namespace: ref.namespace },
            involvedObject: {
              apiVersion: `${TEKTON_GROUP}/${options.version}`,
              kind: ref.kind,
              name: ref.name,
              namespace: ref.namespace,
              ...(uid === undefined ? {} : { uid }),
            },
            type: event.type,
            reason: event.reason,
            message: event.message,
            source: { component: EVENT_COMPONENT },
            reportingComponent: EVENT_COMPONENT,
            reportingInstance: hostname(),
            firstTimestamp: now,
            lastTimestamp: now,
            count: 1,
          },
        }),
      );
    } catch (error) {
      options.log("warning", `could not record Event ${event.reason} on ${ref.kind} ${ref.namespace}/${ref.name}: ${describeApiError(error)}`);
    }
  };
