import { statusBody, type StatusBody } from "./api-status.ts";
import type { JsonObject } from "./json-values.ts";
import type { Change, ObjectStore } from "./object-store.ts";
import type { Selector } from "./selectors.ts";

export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";

export interface WatchEvent {
  readonly type: WatchEventType;
  readonly object: JsonObject;
}

export interface WatchRequest {
  readonly resource: string;
  /** Undefined: all namespaces. */
  readonly namespace: string | undefined;
  readonly matches: Selector;
  /** Undefined, "" or "0": start with synthetic ADDED events for the current state. */
  readonly resourceVersion: string | undefined;
  readonly sendInitialEvents: boolean;
  readonly allowBookmarks: boolean;
  readonly bookmarkIntervalMs: number;
  readonly timeoutMs: number;
  /** Converts a stored object to the version the client asked for. */
  readonly render: (object: JsonObject) => JsonObject;
  readonly apiVersion: string;
  readonly kind: string;
}

export interface WatchSink {
  readonly send: (event: WatchEvent) => void;
  readonly end: () => void;
}

export interface OpenWatch {
  readonly request: WatchRequest;
  /** Ends the stream as if the server closed it (the client sees a clean EOF). */
  readonly close: () => void;
}

/**
 * Fans committed changes out to open watches: replay from a resourceVersion within the history window,
 * selector transitions (an object leaving a selector is DELETED for that watch), bookmarks, timeouts.
 */
export class WatchHub {
  readonly #store: ObjectStore;
  readonly #open = new Set<OpenWatch>();

  constructor(store: ObjectStore) {
    this.#store = store;
  }

  get openCount(): number {
    return this.#open.size;
  }

  get open(): readonly OpenWatch[] {
    return [...this.#open];
  }

  /** Whether a watch from this resourceVersion can no longer be served (410 Gone). */
  isExpired(resourceVersion: string | undefined): boolean {
    if (resourceVersion === undefined || resourceVersion === "" || resourceVersion === "0") return false;
    const rv = Number(resourceVersion);
    return Number.isFinite(rv) && this.#store.changesAfter(rv) === undefined;
  }

  expiredStatus(resourceVersion: string): StatusBody {
    return statusBody(410, "Expired", `too old resource version: ${resourceVersion} (${this.#store.compactedThrough + 1})`);
  }

  openWatch(request: WatchRequest, sink: WatchSink): OpenWatch {
    const inScope = (change: Change): boolean => {
      if (change.resource !== request.resource) return false;
      if (request.namespace === undefined) return true;
      const metadata = change.object["metadata"] as JsonObject | undefined;
      return metadata?.["namespace"] === request.namespace;
    };
    let closed = false;
    let bookmarkTimer: NodeJS.Timeout | undefined;
    let timeoutTimer: NodeJS.Timeout | undefined;
    let unsubscribe = (): void => {};
    const handle: OpenWatch = {
      request,
      close: () => {
        if (closed) return;
        closed = true;
        unsubscribe();
        clearTimeout(bookmarkTimer);
        clearTimeout(timeoutTimer);
        this.#open.delete(handle);
        sink.end();
      },
    };
    const deliver = (change: Change): void => {
      if (closed || !inScope(change)) return;
      const event = translate(change, request.matches);
      if (event !== undefined) sink.send({ type: event.type, object: request.render(event.object) });
    };
    const bookmark = (annotations?: Record<string, string>): void => {
      if (closed) return;
      sink.send({
        type: "BOOKMARK",
        object: {
          kind: request.kind,
          apiVersion: request.apiVersion,
          metadata: {
            resourceVersion: String(this.#store.resourceVersion),
            creationTimestamp: null,
            ...(annotations === undefined ? {} : { annotations }),
          },
        },
      });
    };

    this.#open.add(handle);
    const rv = request.resourceVersion;
    const fromState = rv === undefined || rv === "" || rv === "0" || request.sendInitialEvents;
    if (fromState) {
      for (const object of this.#store.list(request.resource, request.namespace)) {
        if (request.matches(object)) sink.send({ type: "ADDED", object: request.render(object) });
      }
      if (request.sendInitialEvents && request.allowBookmarks) bookmark({ "k8s.io/initial-events-end": "true" });
    } else {
      const replay = this.#store.changesAfter(Number(rv));
      if (replay === undefined) {
        sink.send({ type: "ERROR", object: { ...this.expiredStatus(rv) } });
        handle.close();
        return handle;
      }
      for (const change of replay) deliver(change);
    }
    unsubscribe = this.#store.subscribe(deliver);
    if (request.allowBookmarks && request.bookmarkIntervalMs > 0) {
      const tick = (): void => {
        bookmark();
        if (!closed) bookmarkTimer = setTimeout(tick, request.bookmarkIntervalMs).unref();
      };
      bookmarkTimer = setTimeout(tick, request.bookmarkIntervalMs).unref();
    }
    if (request.timeoutMs > 0) timeoutTimer = setTimeout(handle.close, request.timeoutMs).unref();
    return handle;
  }

  closeAll(): void {
    for (const watch of [...this.#open]) watch.close();
  }
}

const translate = (change: Change, matches: Selector): { type: WatchEventType; object: JsonObject } | undefined => {
  const now = matches(change.object);
  const before = change.previous !== undefined && matches(change.previous);
  switch (change.type) {
    case "ADDED":
      return now ? { type: "ADDED", object: change.object } : undefined;
    case "DELETED":
      return now || before ? { type: "DELETED", object: change.object } : undefined;
    case "MODIFIED":
      if (now && before) return { type: "MODIFIED", object: change.object };
      if (now) return { type: "ADDED", object: change.object };
      if (before) return { type: "DELETED", object: change.object };
      return undefined;
  }
};
