import { hostname } from "node:os";
import type { ClusterEvent } from "../../ports/cluster.ts";
import type { AdapterLog } from "./adapter-log.ts";
import { describeApiError } from "./api-errors.ts";
import type { KubeApi } from "./kube-api.ts";

/** The Events' source: distinct from Tekton Pipelines' `taskrun-controller` (reference defect #29). */
export const EVENT_COMPONENT = "chains-ts";

/** The object an Event is about. */
export interface InvolvedObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly uid?: string | undefined;
}

/**
 * Records core/v1 Events. Best effort: a failure is logged, never raised, since an Event is a
 * courtesy to users, not part of signing.
 */
export const makeEventRecorder =
  (options: { readonly api: KubeApi; readonly log: AdapterLog }) =>
  async (involved: InvolvedObject, event: ClusterEvent): Promise<void> => {
    const now = new Date();
    const { uid, ...identity } = involved;
    try {
      await options.api.call((a) =>
        a.core.createNamespacedEvent({
          namespace: involved.namespace,
          body: {
            metadata: { generateName: `${involved.name}.`, namespace: involved.namespace },
            involvedObject: { ...identity, ...(uid === undefined ? {} : { uid }) },
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
      options.log("warning", `could not record Event ${event.reason} on ${involved.kind} ${involved.namespace}/${involved.name}: ${describeApiError(error)}`);
    }
  };
