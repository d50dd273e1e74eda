import type { RunKind } from "../../domain/run/run-object.ts";
import { runKey, type RunRef } from "../../domain/run/run-ref.ts";
import type { RunWatch, RunWatchEvent } from "../../ports/run-source.ts";
import type { AdapterLog } from "./adapter-log.ts";
import type { KubeApi } from "./kube-api.ts";
import { type ListWatch, type ListWatchSink, type ListWatchTiming, PAGE_SIZE, pageOf, startListWatch } from "./list-watch.ts";
import { type SeenRun, seenRunOf } from "./seen-run.ts";
import { listPageQuery, runCollectionPath, TEKTON_GROUP } from "./run-resources.ts";
import type { TektonVersion } from "./tekton-api-version.ts";

const RUN_KINDS: ReadonlyArray<RunKind> = ["PipelineRun", "TaskRun"];

interface RawMeta {
  readonly name?: unknown;
  readonly namespace?: unknown;
  readonly uid?: unknown;
}

const metaOf = (object: unknown): RawMeta => (object as { metadata?: RawMeta } | undefined)?.metadata ?? {};

/**
 * The order of the first list: PipelineRuns are listed before TaskRuns, so that when a child TaskRun
 * comes, the controller already knows whether its parent is settled and holds signed children of
 * signed parents as nothing more than a key (most runs of a cluster are such children). A
 * PipelineRun still to be signed waits here until the TaskRuns are listed too, so that its pass
 * finds its children delivered rather than reading them one GET each. A later event about it
 * supersedes the waiting one.
 */
class FirstListOrder {
  readonly #deliver: (event: RunWatchEvent) => void;
  readonly #waiting = new Map<string, RunWatchEvent>();
  #released = false;

  constructor(deliver: (event: RunWatchEvent) => void) {
    this.#deliver = deliver;
  }

  readonly deliver = (event: RunWatchEvent): void => {
    if (this.#released || event.type === "synced") return this.#deliver(event);
    const meta = metaOf(event.object);
    if (typeof meta.name !== "string" || typeof meta.namespace !== "string") return this.#deliver(event);
    const key = runKey({ kind: "PipelineRun", namespace: meta.namespace, name: meta.name });
    this.#waiting.delete(key);
    if (event.type === "upsert" && event.initial && !seenRunOf(event.object).settled) this.#waiting.set(key, event);
    else this.#deliver(event);
  };

  readonly release = (): void => {
    this.#released = true;
    for (const event of this.#waiting.values()) this.#deliver(event);
    this.#waiting.clear();
  };
}

/**
 * Watches TaskRuns and PipelineRuns (cluster-wide, or one list-watch per `--namespace`) and turns
 * them into the port's events: the first list as `initial` upserts (PipelineRuns first, see
 * FirstListOrder), one `synced` once every first list is complete, then live changes. It keeps
 * only a few metadata fields per run (the controller caches the objects): enough to skip unchanged
 * objects on a relist, to report runs deleted while the watch was down, and to base writes on.
 */
export class RunInformer {
  readonly #api: KubeApi;
  readonly #version: TektonVersion;
  readonly #namespaces: ReadonlyArray<string>;
  readonly #timing: ListWatchTiming;
  readonly #log: AdapterLog;
  /** Per list-watch (kind and scope) of the current watch: what it has delivered. */
  #seenBySource: ReadonlyArray<Map<string, SeenRun>> = [];

  constructor(options: {
    readonly api: KubeApi;
    readonly version: TektonVersion;
    readonly namespaces: ReadonlyArray<string>;
    readonly timing: ListWatchTiming;
    readonly log: AdapterLog;
  }) {
    this.#api = options.api;
    this.#version = options.version;
    this.#namespaces = options.namespaces;
    this.#timing = options.timing;
    this.#log = options.log;
  }

  /** The uid of a run as last seen, for Events about it. */
  uidOf(ref: RunRef): string | undefined {
    return this.seen(ref)?.uid;
  }

  /** The run as last seen by the watch. */
  seen(ref: RunRef): SeenRun | undefined {
    const key = runKey(ref);
    for (const seen of this.#seenBySource) {
      const run = seen.get(key);
      if (run !== undefined) return run;
    }
    return undefined;
  }

  start(onEvent: (event: RunWatchEvent) => void): RunWatch {
    let stopped = false;
    const deliver = (event: RunWatchEvent) => {
      if (stopped) return;
      try {
        onEvent(event);
      } catch (error) {
        this.#log("warning", `the run watch handler failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    };
    const scopes: ReadonlyArray<string | undefined> = this.#namespaces.length === 0 ? [undefined] : this.#namespaces;
    let unsynced = RUN_KINDS.length * scopes.length;
    const watches: Array<ListWatch> = [];
    const seenBySource: Array<Map<string, SeenRun>> = [];
    this.#seenBySource = seenBySource;
    const pipelineRuns = new FirstListOrder(deliver);
    const startKind = (kind: RunKind, deliverKind: (event: RunWatchEvent) => void, onListed: () => void) => {
      let unlisted = scopes.length;
      for (const namespace of scopes) {
        const seen = new Map<string, SeenRun>();
        seenBySource.push(seen);
        const sink = this.#sink(kind, seen, deliverKind, () => {
          unsynced -= 1;
          unlisted -= 1;
          if (unlisted === 0) onListed();
          if (unsynced === 0) deliver({ type: "synced" });
        });
        watches.push(startListWatch(this.#api, this.#source(kind, namespace), sink, this.#timing, this.#log));
      }
    };
    startKind("PipelineRun", pipelineRuns.deliver, () => {
      if (!stopped) startKind("TaskRun", deliver, pipelineRuns.release);
    });
    return {
      stop: () => {
        stopped = true;
        for (const watch of watches) watch.stop();
      },
    };
  }

  #source(kind: RunKind, namespace: string | undefined) {
    const path = runCollectionPath(this.#version, kind, namespace);
    return {
      description: `${kind}s (${TEKTON_GROUP}/${this.#version}, ${namespace === undefined ? "all namespaces" : `namespace ${namespace}`})`,
      watchPath: path,
      list: async (continueToken: string | undefined) =>
        pageOf(await this.#api.call((a) => a.json({ method: "GET", path, query: listPageQuery(PAGE_SIZE, continueToken) }))),
    };
  }

  #sink(kind: RunKind, seenRuns: Map<string, SeenRun>, deliver: (event: RunWatchEvent) => void, onFirstSync: () => void): ListWatchSink {
    let synced = false;
    let listed = new Set<string>();
    const keyOf = (object: unknown): { key: string; seen: SeenRun } | undefined => {
      const meta = metaOf(object);
      if (typeof meta.name !== "string" || typeof meta.namespace !== "string" || typeof meta.uid !== "string") return undefined;
      const key = runKey({ kind, namespace: meta.namespace, name: meta.name });
      return { key, seen: seenRunOf(object) };
    };
    const tombstone = (key: string, seen: SeenRun): unknown => {
      const [, namespace, name] = key.split("/");
      return { apiVersion: `${TEKTON_GROUP}/${this.#version}`, kind, metadata: { name, namespace, uid: seen.uid } };
    };
    const upsert = (object: unknown, initial: boolean) => {
      const identity = keyOf(object);
      if (identity === undefined) {
        deliver({ type: "upsert", object, initial }); // the controller reports undecodable objects
        return;
      }
      const previous = seenRuns.get(identity.key);
      if (previous !== undefined && previous.uid === identity.seen.uid && previous.resourceVersion === identity.seen.resourceVersion) return;
      // Deleted and re-created while we were not watching: the old one is gone first.
      if (previous !== undefined && previous.uid !== identity.seen.uid) deliver({ type: "delete", object: tombstone(identity.key, previous) });
      seenRuns.set(identity.key, identity.seen);
      deliver({ type: "upsert", object, initial });
    };
    return {
      listStart: () => {
        listed = new Set();
      },
      listItem: (object) => {
        const identity = keyOf(object);
        if (identity !== undefined) listed.add(identity.key);
        upsert(object, !synced);
      },
      listEnd: () => {
        for (const [key, seen] of [...seenRuns]) {
          if (listed.has(key)) continue;
          seenRuns.delete(key);
          deliver({ type: "delete", object: tombstone(key, seen) });
        }
        listed = new Set();
        if (!synced) {
          synced = true;
          onFirstSync();
        }
      },
      watchEvent: (type, object) => {
        if (type !== "DELETED") {
          upsert(object, false);
          return;
        }
        const identity = keyOf(object);
        if (identity !== undefined) seenRuns.delete(identity.key);
        deliver({ type: "delete", object });
      },
    };
  }
}
