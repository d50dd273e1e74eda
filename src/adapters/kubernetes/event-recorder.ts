import { hostname } from "node:os";
import { PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import type { ClusterEvent } from "../../ports/cluster-events.ts";
import type { AdapterLog } from "./adapter-log.ts";
import { describeApiError, httpStatusOf } from "./api-errors.ts";
import type { KubeApi } from "./kube-api.ts";

/** The Events' source: distinct from Tekton Pipelines' `taskrun-controller` (reference defect #29). */
export const EVENT_COMPONENT = "chains-ts";

/** Events remembered for aggregation, as client-go keeps an LRU of 4096; an older one is created anew. */
const REMEMBERED_EVENTS = 4096;

/** The object an Event is about. */
export interface InvolvedObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly uid?: string | undefined;
}

/** The Event last recorded for one (object, type, reason). */
interface Recorded {
  readonly name: string;
  readonly count: number;
}

/**
 * Records core/v1 Events. A repeat (same object, type and reason) updates the Event already
 * recorded, as client-go's EventRecorder does: `count` + 1, the latest message and `lastTimestamp`,
 * one PATCH instead of a new object per retry. Repeats of one key are serialised, so concurrent
 * ones count rather than race to create two Events. Best effort: a failure is logged, never
 * raised, since an Event is a courtesy to users, not part of signing.
 */
export const makeEventRecorder = (options: { readonly api: KubeApi; readonly log: AdapterLog }) => {
  const recorded = new Map<string, Promise<Recorded | undefined>>();

  const create = async (involved: InvolvedObject, event: ClusterEvent, now: Date): Promise<Recorded | undefined> => {
    const { uid, ...identity } = involved;
    const created = await options.api.call((a) =>
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
    const name = created.metadata?.name;
    return name === undefined ? undefined : { name, count: 1 };
  };

  const increment = async (involved: InvolvedObject, event: ClusterEvent, prior: Recorded, now: Date): Promise<Recorded | undefined> => {
    try {
      await options.api.call((a) =>
        a.core.patchNamespacedEvent(
          { name: prior.name, namespace: involved.namespace, body: { count: prior.count + 1, message: event.message, lastTimestamp: now } },
          setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
        ),
      );
      return { name: prior.name, count: prior.count + 1 };
    } catch (error) {
      // Expired (Events live an hour by default) or deleted: start a new one.
      if (httpStatusOf(error) === 404) return create(involved, event, now);
      throw error;
    }
  };

  return async (involved: InvolvedObject, event: ClusterEvent): Promise<void> => {
    const key = JSON.stringify([involved.kind, involved.namespace, involved.name, involved.uid ?? "", event.type, event.reason]);
    const previous = recorded.get(key);
    const next = (async () => {
      const prior = await previous;
      const now = new Date();
      try {
        return prior === undefined ? await create(involved, event, now) : await increment(involved, event, prior, now);
      } catch (error) {
        const what = `${event.reason} on ${involved.kind} ${involved.namespace}/${involved.name}`;
        options.log("warning", `could not record Event ${what}: ${describeApiError(error)}`);
        return prior;
      }
    })();
    // Re-inserted, so the Map's order is least recently recorded first.
    recorded.delete(key);
    recorded.set(key, next);
    if (recorded.size > REMEMBERED_EVENTS) recorded.delete(recorded.keys().next().value!);
    await next;
  };
};
