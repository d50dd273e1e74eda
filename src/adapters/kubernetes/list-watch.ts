import { Cause, Clock, Duration, Effect, Exit, Fiber, Random, Schedule } from "effect";
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
 * other failure restarts the loop after `listWatchBackoff`, so the mirror never silently stops.
 * Each watch is bounded (`timeoutSeconds`, plus a client-side deadline and idle timeout).
 * The waits run on Effect's Clock, so a test steps them with a TestClock; interrupting the loop
 * aborts the open watch.
 */
export const listWatchLoop = (
  api: Pick<KubeApi, "watch">,
  source: ListWatchSource,
  sink: ListWatchSink,
  timing: ListWatchTiming,
  log: AdapterLog,
): Effect.Effect<never> => {
  const listAll = Effect.fnUntraced(function* () {
    sink.listStart();
    let resourceVersion: string | undefined;
    let continueToken: string | undefined;
    do {
      const page: ListPage = yield* Effect.tryPromise({ try: () => source.list(continueToken), catch: (error) => error });
      // Every page of a paged list is served from the first page's snapshot.
      resourceVersion ??= page.resourceVersion;
      for (const item of page.items) sink.listItem(item);
      continueToken = page.continueToken;
    } while (continueToken !== undefined && continueToken !== "");
    sink.listEnd();
    return resourceVersion;
  });

  const watchFrom = (resourceVersion: string): Effect.Effect<WatchEnd, unknown> =>
    Effect.callback<WatchEnd, unknown>((resume) => {
      let current = resourceVersion;
      let events = 0;
      let ending: WatchEnd | WatchFailed | undefined;
      let controller: AbortController | undefined;
      const end = (outcome: WatchEnd | WatchFailed) => {
        ending ??= outcome;
        controller?.abort();
      };
      const deadline = setTimeout(() => end({ _tag: "Ended", resourceVersion: current, events }), (timing.watchTimeoutSeconds + 30) * 1000);
      const onEvent = (type: string, object: unknown) => {
        if (ending !== undefined) return;
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
        if (ending instanceof WatchFailed) resume(Effect.fail(ending));
        else if (ending !== undefined) resume(Effect.succeed(ending));
        // A stream silent past the idle timeout is re-opened like one the server ended.
        else if (error === null || error === undefined || isTimeout(error)) resume(Effect.succeed({ _tag: "Ended", resourceVersion: current, events }));
        else resume(Effect.fail(error));
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
          if (ending !== undefined) c.abort();
        }, onDone);
      // Interrupted (the loop is stopped): no event reaches the sink any more.
      return Effect.sync(() => {
        clearTimeout(deadline);
        end({ _tag: "Ended", resourceVersion: current, events });
      });
    });

  return Effect.gen(function* () {
    let resourceVersion: string | undefined;
    // A fresh step of the schedule after each success, so its count is the failures in a row.
    let backoff = yield* Schedule.toStep(listWatchBackoff(timing));
    let failures = 0;
    const reset = Effect.fnUntraced(function* () {
      backoff = yield* Schedule.toStep(listWatchBackoff(timing));
      failures = 0;
    });
    const wait = Effect.fnUntraced(function* (warning: ((delayMs: number, attempt: number) => string) | undefined) {
      failures += 1;
      const [, delay] = yield* Effect.orDie(backoff(yield* Clock.currentTimeMillis, undefined));
      if (warning !== undefined) log("warning", warning(Duration.toMillis(delay), failures));
      yield* Effect.sleep(delay);
    });
    while (true) {
      // A sink that throws fails the step like a failed request: the loop backs off, as it never stops.
      const step = yield* Effect.exit(
        Effect.gen(function* () {
          if (resourceVersion === undefined) {
            resourceVersion = yield* listAll();
            yield* reset();
            return;
          }
          const opened = yield* Clock.currentTimeMillis;
          const outcome = yield* watchFrom(resourceVersion);
          if (outcome._tag === "Expired") {
            log("info", `${source.description}: watch history expired (410), relisting`);
            resourceVersion = undefined;
            return;
          }
          resourceVersion = outcome.resourceVersion;
          // A stream that closes at once without news is not progress: back off, as after an error.
          if (outcome.events === 0 && (yield* Clock.currentTimeMillis) - opened < 1_000) yield* wait(undefined);
          else yield* reset();
        }),
      );
      if (Exit.isSuccess(step)) continue;
      if (Cause.hasInterrupts(step.cause)) return yield* Effect.interrupt;
      const error = Cause.squash(step.cause);
      if (httpStatusOf(error) === 410) {
        log("info", `${source.description}: ${resourceVersion === undefined ? "list continuation" : "watch history"} expired (410), relisting`);
        resourceVersion = undefined;
        continue;
      }
      yield* wait((delayMs, attempt) => `${source.description}: ${describeApiError(error)}; retrying in ${delayMs} ms (attempt ${attempt})`);
    }
  });
};

/** `listWatchLoop` on its own fiber, until `stop`. */
export const startListWatch = (
  api: KubeApi,
  source: ListWatchSource,
  sink: ListWatchSink,
  timing: ListWatchTiming,
  log: AdapterLog,
): ListWatch => {
  const fiber = Effect.runFork(listWatchLoop(api, source, sink, timing, log));
  return { stop: () => void Effect.runFork(Fiber.interrupt(fiber)) };
};

/**
 * The wait after the n-th failure in a row: exponential from `backoffInitialMs`, capped at
 * `backoffMaxMs`, then jittered over the upper half of that bound so that replicas restarted
 * together do not retry in lockstep.
 */
export const listWatchBackoff = (timing: ListWatchTiming): Schedule.Schedule<Duration.Duration> =>
  Schedule.exponential(Duration.millis(timing.backoffInitialMs)).pipe(
    Schedule.modifyDelay(({ duration }) =>
      Effect.map(Random.next, (random) => {
        const ceiling = Math.min(timing.backoffMaxMs, Duration.toMillis(duration));
        return Duration.millis(Math.round(ceiling / 2 + (random * ceiling) / 2));
      }),
    ),
  );

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
