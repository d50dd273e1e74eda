import { describeApiError, httpStatusOf } from "./api-errors.ts";
import type { AdapterLog } from "./adapter-log.ts";
import type { KubeApi } from "./kube-api.ts";

export interface ListPage {
  readonly items: ReadonlyArray<unknown>;
  readonly resourceVersion: string;
  readonly continueToken: string | undefined;
}

/** One collection to mirror: how to list it (page by page) and where to watch it. */
export interface ListWatchSource {
  /** For log lines, e.g. `TaskRuns (tekton.dev/v1, all namespaces)`. */
  readonly description: string;
  readonly list: (continueToken: string | undefined) => Promise<ListPage>;
  readonly watchPath: string;
  readonly fieldSelector?: string;
}

/**
 * What a list-watch loop reports. A list may be cut short by an error and started again, so a
 * consumer acts on what is missing only at `listEnd`.
 */
export interface ListWatchSink {
  readonly listStart: () => void;
  readonly listItem: (object: unknown) => void;
  readonly listEnd: () => void;
  readonly watchEvent: (type: "ADDED" | "MODIFIED" | "DELETED", object: unknown) => void;
}

export interface ListWatchTiming {
  /** Server-side bound of each watch request: a watch is re-opened at least this often. */
  readonly watchTimeoutSeconds: number;
  /** A stream silent for this long (not even a BOOKMARK) is treated as dead. */
  readonly idleTimeoutMs: number;
  readonly backoffInitialMs: number;
  readonly backoffMaxMs: number;
}

export const defaultListWatchTiming: ListWatchTiming = {
  watchTimeoutSeconds: 300,
  idleTimeoutMs: 120_000,
  backoffInitialMs: 500,
  backoffMaxMs: 30_000,
};

export interface ListWatch {
  readonly stop: () => void;
}

/** Items per list request: bounds the memory of one page of a large backlog. */
export const PAGE_SIZE = 500;

type WatchEnd = { readonly _tag: "Ended"; readonly resourceVersion: string; readonly events: number } | { readonly _tag: "Expired" };

/** A watch ERROR event or a failed stream, carrying the HTTP status when there is one. */
class WatchFailed extends Error {
  readonly statusCode: number | undefined;
  constructor(message: string, statusCode: number | undefined) {
    super(message);
    this.statusCode = statusCode;
  }
}

const isTimeout = (error: unknown): boolean => (error as { name?: unknown } | undefined)?.name === "TimeoutError";

const resourceVersionOf = (object: unknown): string | undefined => {
  const rv = (object as { metadata?: { resourceVersion?: unknown } } | undefined)?.metadata?.resourceVersion;
  return typeof rv === "string" && rv !== "" ? rv : undefined;
};

/**
 * Mirrors a collection the way client-go's reflector does: list (paged), then watch from the
 * list's resourceVersion; a watch that ends normally is re-opened from the last resourceVersion
 * seen (BOOKMARKs included); 410 Gone, as an HTTP status or an ERROR event, means a relist. Any
 * other failure restarts the loop after an exponential backoff, so the mirror never silently stops.
 * Each watch is bounded (`timeoutSeconds`, plus a client-side deadline and idle timeout).
 */
export const startListWatch = (
  api: KubeApi,
  source: ListWatchSource,
  sink: ListWatchSink,
  timing: ListWatchTiming,
  log: AdapterLog,
): ListWatch => {
  let stopped = false;
  let abortWatch: (() => void) | undefined;
  let wake: (() => void) | undefined;

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        wake = undefined;
        resolve();
      }, ms);
      wake = () => {
        clearTimeout(timer);
        wake = undefined;
        resolve();
      };
    });

  const listAll = async (): Promise<string> => {
    sink.listStart();
    let resourceVersion: string | undefined;
    let continueToken: string | undefined;
    do {
      const page = await source.list(continueToken);
      if (stopped) return "";
      // Every page of a paged list is served from the first page's snapshot.
      resourceVersion ??= page.resourceVersion;
      for (const item of page.items) sink.listItem(item);
      continueToken = page.continueToken;
    } while (continueToken !== undefined && continueToken !== "");
    sink.listEnd();
    return resourceVersion;
  };

  const watchFrom = (resourceVersion: string): Promise<WatchEnd> =>
    new Promise((resolve, reject) => {
      let current = resourceVersion;
      let events = 0;
      let ending: WatchEnd | WatchFailed | undefined;
      let controller: AbortController | undefined;
      const end = (outcome: WatchEnd | WatchFailed) => {
        ending ??= outcome;
        controller?.abort();
      };
      const deadline = setTimeout(() => end({ _tag: "Ended", resourceVersion: current, events }), (timing.watchTimeoutSeconds + 30) * 1000);
      abortWatch = () => end({ _tag: "Ended", resourceVersion: current, events });
      const onEvent = (type: string, object: unknown) => {
        if (ending !== undefined || stopped) return;
        if (type === "ERROR") {
          const status = object as { code?: unknown; message?: unknown } | undefined;
          const code = typeof status?.code === "number" ? status.code : undefined;
          end(code === 410 ? { _tag: "Expired" } : new WatchFailed(`watch ERROR event: ${String(status?.message ?? "no message")}`, code));
          return;
        }
        current = resourceVersionOf(object) ?? current;
        if (type === "BOOKMARK") return;
        if (type !== "ADDED" && type !== "MODIFIED" && type !== "DELETED") return;
        events += 1;
        sink.watchEvent(type, object);
      };
      const onDone = (error: unknown) => {
        clearTimeout(deadline);
        abortWatch = undefined;
        if (ending instanceof WatchFailed) reject(ending);
        else if (ending !== undefined) resolve(ending);
        // A stream silent past the idle timeout is re-opened like one the server ended.
        else if (error === null || error === undefined || isTimeout(error)) resolve({ _tag: "Ended", resourceVersion: current, events });
        else reject(error);
      };
      api
        .watch(
          source.watchPath,
          {
            resourceVersion,
            allowWatchBookmarks: true,
            timeoutSeconds: timing.watchTimeoutSeconds,
            ...(source.fieldSelector === undefined ? {} : { fieldSelector: source.fieldSelector }),
          },
          onEvent,
          onDone,
          timing.idleTimeoutMs,
        )
        .then((c) => {
          controller = c;
          if (ending !== undefined || stopped) c.abort();
        }, onDone);
    });

  const loop = async () => {
    let resourceVersion: string | undefined;
    let failures = 0;
    while (!stopped) {
      try {
        if (resourceVersion === undefined) {
          resourceVersion = await listAll();
          failures = 0;
          continue;
        }
        const opened = Date.now();
        const outcome = await watchFrom(resourceVersion);
        if (outcome._tag === "Expired") {
          log("info", `${source.description}: watch history expired (410), relisting`);
          resourceVersion = undefined;
          continue;
        }
        resourceVersion = outcome.resourceVersion;
        // A stream that closes at once without news is not progress: back off, as after an error.
        if (outcome.events === 0 && Date.now() - opened < 1_000) {
          failures += 1;
          await sleep(backoff(failures, timing));
        } else failures = 0;
      } catch (error) {
        if (stopped) break;
        if (httpStatusOf(error) === 410) {
          log("info", `${source.description}: ${resourceVersion === undefined ? "list continuation" : "watch history"} expired (410), relisting`);
          resourceVersion = undefined;
          continue;
        }
        failures += 1;
        const delay = backoff(failures, timing);
        log("warning", `${source.description}: ${describeApiError(error)}; retrying in ${delay} ms (attempt ${failures})`);
        await sleep(delay);
      }
    }
  };
  void loop();

  return {
    stop: () => {
      stopped = true;
      abortWatch?.();
      wake?.();
    },
  };
};

/** Exponential with full jitter on the upper half, capped. */
const backoff = (failures: number, timing: ListWatchTiming): number => {
  const ceiling = Math.min(timing.backoffMaxMs, timing.backoffInitialMs * 2 ** Math.min(failures - 1, 20));
  return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
};

/** A list page from a raw list answer (custom objects come back as plain JSON). */
export const pageOf = (answer: unknown): ListPage => {
  const list = answer as { items?: unknown; metadata?: { resourceVersion?: unknown; continue?: unknown; _continue?: unknown } };
  // Typed core lists name the token `_continue`; raw JSON (custom objects) names it `continue`.
  const token = list.metadata?.continue ?? list.metadata?._continue;
  return {
    items: Array.isArray(list.items) ? list.items : [],
    resourceVersion: typeof list.metadata?.resourceVersion === "string" ? list.metadata.resourceVersion : "0",
    continueToken: typeof token === "string" && token !== "" ? token : undefined,
  };
};
