import { randomUUID } from "node:crypto";
import { isDeepStrictEqual } from "node:util";
import { Effect } from "effect";
import { isChainsAnnotation } from "../../domain/annotations/chains-annotations.ts";
import { isTerminal, signingStateOf } from "../../domain/annotations/signing-state.ts";
import { runKey, type RunRef } from "../../domain/run/run-ref.ts";
import type { Clock } from "../../ports/clock.ts";
import type { ClusterEvent } from "../../ports/cluster-events.ts";
import { ClusterUnavailable, type ClusterPorts } from "../../ports/cluster.ts";
import type { RunWatch, RunWatchEvent } from "../../ports/run-source.ts";
import { ForeignAnnotation, RunGone, type RunWrite } from "../../ports/run-writer.ts";
import { InjectedFailures } from "./injected-failures.ts";
import { kubernetesTimeOf, refOfJson, type RunJson } from "./run-json.ts";
import { systemClock } from "../clock/system-clock.ts";

export type ClusterOperation = "writeRun" | "readRun" | "readConfig" | "readSigningSecrets" | "watch";

/**
 * A Kubernetes Event recorded through the port. Like the API server's Events under client-go's
 * recorder, a repeat (same run, type and reason) updates the first one: `count`, message and time.
 */
export interface RecordedEvent extends ClusterEvent {
  readonly ref: RunRef;
  readonly time: Date;
  readonly count: number;
}

/**
 * How a `writeRun` call ended. `unchanged` is a write that changed nothing: like the API server,
 * the store then keeps the resourceVersion and emits no watch event.
 */
export type WriteOutcome = "applied" | "unchanged" | "deleted" | "RunGone" | "ForeignAnnotation" | "ClusterUnavailable";

/** One `writeRun` call, kept so tests can count API writes per run. */
export interface RecordedWrite {
  readonly ref: RunRef;
  readonly write: RunWrite;
  readonly outcome: WriteOutcome;
  /** The object's resourceVersion after the call, when it reached an existing object. */
  readonly resourceVersion?: string;
}

interface Watcher {
  readonly onEvent: (event: RunWatchEvent) => void;
  readonly queue: Array<RunWatchEvent>;
}

const finalizerRefusal = "Forbidden: no new finalizers can be added if the object is being deleted";

/**
 * A cluster holding TaskRuns and PipelineRuns as raw JSON, the `chains-config` data and the
 * `signing-secrets` files, with the API server's observable semantics: a cluster-wide
 * resourceVersion, finalizers that hold back deletion, no-op writes that change nothing, and watch
 * events delivered asynchronously and in order. Watch events, write and `updateRun` results and
 * config reads share the stored objects, which are frozen; every other object handed out is a copy.
 */
export class InMemoryCluster {
  readonly #clock: Clock["Service"];
  readonly #runs = new Map<string, RunJson>();
  readonly #watchers = new Set<Watcher>();
  readonly #changeListeners = new Set<(ref: RunRef) => void>();
  /** Runs changed since the last delivery, for the change listeners. */
  readonly #changedRuns: Array<RunRef> = [];
  readonly #idleWaiters: Array<() => void> = [];
  readonly #events = new AggregatedEvents<RecordedEvent>();
  readonly #configEvents = new AggregatedEvents<ClusterEvent & { readonly time: Date; readonly count: number }>();
  readonly #writes: Array<RecordedWrite> = [];
  readonly #failures: Record<ClusterOperation, InjectedFailures> = {
    writeRun: new InjectedFailures(),
    readRun: new InjectedFailures(),
    readConfig: new InjectedFailures(),
    readSigningSecrets: new InjectedFailures(),
    watch: new InjectedFailures(),
  };
  /** Writes parked by `holdNextWrites`, applied by `releaseHeldWrites`. */
  readonly #heldWrites: Array<() => void> = [];
  #writesToHold = 0;
  /** Replaced, never changed: handed out as is to every reader. */
  #config: Readonly<Record<string, string>> = Object.freeze({});
  readonly #secrets = new Map<string, Uint8Array>();
  #secretsVersion = 0;
  #resourceVersion = 0;
  #deliveryScheduled = false;

  constructor(options: { readonly clock?: Clock["Service"] } = {}) {
    this.#clock = options.clock ?? systemClock;
  }

  /** Adds a run, assigning a uid when it has none. Throws if a run with that name exists. */
  createRun(run: RunJson): RunJson {
    const ref = checkedRef(run);
    const key = runKey(ref);
    if (this.#runs.has(key)) throw new Error(`${key} already exists`);
    const stored = structuredClone(run);
    if (typeof stored.metadata.uid !== "string") stored.metadata.uid = randomUUID();
    return structuredClone(this.#commit(stored));
  }

  /**
   * Changes a run the way another controller would (e.g. `completeRun`). Identity cannot change.
   * Returns the stored version itself, frozen like every watch event (no second copy of the run).
   */
  updateRun(ref: RunRef, mutate: (run: RunJson) => void): RunJson {
    const current = this.#existing(ref);
    const next = structuredClone(current);
    mutate(next);
    if (runKey(checkedRef(next)) !== runKey(ref) || next.metadata.uid !== current.metadata.uid) {
      throw new Error(`updateRun must not change the identity of ${runKey(ref)}`);
    }
    return this.#commit(next);
  }

  /** Deletes a run: at once without finalizers; otherwise marks it and waits for their removal. */
  deleteRun(ref: RunRef): void {
    const current = this.#existing(ref);
    if ((current.metadata.finalizers ?? []).length === 0) {
      this.#commit(shallowCopy(current), { delete: true });
    } else if (current.metadata.deletionTimestamp === undefined) {
      const next = structuredClone(current);
      next.metadata.deletionTimestamp = kubernetesTimeOf(this.#clock.now());
      this.#commit(next);
    }
  }

  getRun(ref: RunRef): RunJson | undefined {
    const run = this.#runs.get(runKey(ref));
    return run === undefined ? undefined : structuredClone(run);
  }

  /** A copy of a run's annotations (empty when it has none or does not exist), without copying the run. */
  runAnnotations(ref: RunRef): Record<string, string> {
    return { ...this.#runs.get(runKey(ref))?.metadata.annotations };
  }

  /**
   * Calls `listener` with the run's reference after every stored change of a run (and its
   * deletion), on the turn the watchers are told of it (so a writer's own continuation has run),
   * until the returned function is called.
   */
  onRunChange(listener: (ref: RunRef) => void): () => void {
    this.#changeListeners.add(listener);
    return () => this.#changeListeners.delete(listener);
  }

  listRuns(): Array<RunJson> {
    return [...this.#runs.values()].map((run) => structuredClone(run));
  }

  /** Replaces the `chains-config` data; `undefined` stands for a missing ConfigMap. */
  setConfig(data: Readonly<Record<string, string>> | undefined): void {
    this.#config = Object.freeze({ ...data });
  }

  /** Sets one `signing-secrets` file (text is UTF-8 encoded). */
  setSecret(name: string, content: Uint8Array | string): void {
    const bytes = typeof content === "string" ? new TextEncoder().encode(content) : content.slice();
    const previous = this.#secrets.get(name);
    if (previous !== undefined && Buffer.from(previous).equals(bytes)) return;
    this.#secrets.set(name, bytes);
    this.#secretsVersion += 1;
  }

  deleteSecret(name: string): void {
    if (this.#secrets.delete(name)) this.#secretsVersion += 1;
  }

  /** Events recorded on the `chains-config` ConfigMap. */
  configEvents(): Array<ClusterEvent & { readonly time: Date; readonly count: number }> {
    return this.#configEvents.list.map((event) => ({ ...event, time: new Date(event.time) }));
  }

  events(): Array<RecordedEvent> {
    return this.#events.list.map((event) => ({ ...event, ref: { ...event.ref }, time: new Date(event.time) }));
  }

  /** Every `writeRun` call in order, optionally only those for one run. */
  writes(ref?: RunRef): Array<RecordedWrite> {
    const all = ref === undefined ? this.#writes : this.#writes.filter((w) => runKey(w.ref) === runKey(ref));
    return all.map((w) => structuredClone(w));
  }

  /** Makes the next `times` calls of `operation` fail with ClusterUnavailable (replacing any pending injection). */
  failNext(operation: ClusterOperation, times: number, reason?: string): void {
    this.#failures[operation].arm(times, reason);
  }

  /**
   * The next `times` `writeRun` calls stay in flight until `releaseHeldWrites`, then apply to the
   * object as it is at that moment: a slow request, or a writer going round a 409 retry.
   */
  holdNextWrites(times: number): void {
    this.#writesToHold = Math.max(0, Math.floor(times));
  }

  /** Applies every held write in the order it was made, and stops holding. */
  releaseHeldWrites(): void {
    this.#writesToHold = 0;
    for (const apply of this.#heldWrites.splice(0)) apply();
  }

  /** Delivers the current object again to every watcher, as a relisting informer would. */
  redeliver(ref: RunRef): void {
    this.#broadcast({ type: "upsert", object: this.#existing(ref), initial: false });
  }

  /** Resolves once every watch event produced so far has been delivered. */
  settled(): Promise<void> {
    if (!this.#deliveryScheduled) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  ports(): ClusterPorts {
    return {
      runSource: {
        watchRuns: (onEvent) => Effect.suspend(() => this.#watch(onEvent)),
        readRun: (ref) => Effect.suspend(() => this.#unlessFailing("readRun", `read ${runKey(ref)}`, () => this.getRun(ref))),
      },
      runWriter: {
        writeRun: (ref, write) => {
          if (this.#writesToHold === 0) return Effect.suspend(() => this.#write(ref, write));
          this.#writesToHold -= 1;
          return Effect.promise(() => new Promise<void>((resolve) => this.#heldWrites.push(resolve))).pipe(
            Effect.andThen(Effect.suspend(() => this.#write(ref, write))),
          );
        },
      },
      configSource: {
        readConfig: () =>
          Effect.suspend(() => this.#unlessFailing("readConfig", "read ConfigMap chains-config", () => this.#config)),
        readSigningSecrets: () =>
          Effect.suspend(() =>
            this.#unlessFailing("readSigningSecrets", "read Secret signing-secrets", () => ({
              version: String(this.#secretsVersion),
              files: new Map([...this.#secrets].map(([name, bytes]) => [name, bytes.slice()])),
            })),
          ),
      },
      events: {
        recordEvent: (ref, event) =>
          Effect.sync(() =>
            this.#events.record(JSON.stringify([runKey(ref), event.type, event.reason]), (count) => ({
              ...event,
              ref: { ...ref },
              time: this.#clock.now(),
              count,
            })),
          ),
        recordConfigEvent: (event) =>
          Effect.sync(() =>
            this.#configEvents.record(JSON.stringify([event.type, event.reason]), (count) => ({
              ...event,
              time: this.#clock.now(),
              count,
            })),
          ),
      },
    };
  }

  #unlessFailing<A>(operation: ClusterOperation, description: string, read: () => A) {
    const reason = this.#failures[operation].take();
    return reason === undefined
      ? Effect.succeed(read())
      : Effect.fail(new ClusterUnavailable({ operation: description, reason }));
  }

  #watch(onEvent: (event: RunWatchEvent) => void): Effect.Effect<RunWatch, ClusterUnavailable> {
    const reason = this.#failures.watch.take();
    if (reason !== undefined) return Effect.fail(new ClusterUnavailable({ operation: "watch runs", reason }));
    const watcher: Watcher = {
      onEvent,
      queue: [
        ...[...this.#runs.values()].map((run): RunWatchEvent => ({
          type: "upsert",
          object: run,
          initial: true,
        })),
        { type: "synced" },
      ],
    };
    this.#watchers.add(watcher);
    this.#scheduleDelivery();
    return Effect.succeed({
      stop: () => {
        this.#watchers.delete(watcher);
        watcher.queue.length = 0;
      },
    });
  }

  #write(ref: RunRef, write: RunWrite): Effect.Effect<unknown, ClusterUnavailable | RunGone | ForeignAnnotation> {
    const key = runKey(ref);
    const record = (outcome: WriteOutcome, resourceVersion?: string) =>
      this.#writes.push({
        ref: { ...ref },
        write: copyOfWrite(write),
        outcome,
        ...(resourceVersion === undefined ? {} : { resourceVersion }),
      });

    const foreign = [...Object.keys(write.annotations ?? {}), ...(write.removeAnnotations ?? [])].find((k) => !isChainsAnnotation(k));
    if (foreign !== undefined) {
      record("ForeignAnnotation");
      return Effect.fail(new ForeignAnnotation({ key: foreign }));
    }
    const unavailable = (reason: string) => {
      record("ClusterUnavailable");
      return Effect.fail(new ClusterUnavailable({ operation: `write ${key}`, reason }));
    };
    const injected = this.#failures.writeRun.take();
    if (injected !== undefined) return unavailable(injected);

    const current = this.#runs.get(key);
    if (current === undefined || current.metadata.uid !== write.uid) {
      record("RunGone");
      return Effect.fail(new RunGone({ run: key }));
    }
    const finalizers = current.metadata.finalizers ?? [];
    const adding =
      write.addFinalizer !== undefined &&
      !finalizers.includes(write.addFinalizer) &&
      !isTerminal(signingStateOf(current.metadata.annotations));
    if (adding && current.metadata.deletionTimestamp !== undefined) return unavailable(finalizerRefusal);

    // Only metadata changes; stored objects are never changed in place, so the rest can be shared.
    const next = shallowCopy(current);
    if (write.annotations !== undefined && Object.keys(write.annotations).length > 0) {
      next.metadata.annotations = { ...next.metadata.annotations, ...write.annotations };
    }
    const removed = (write.removeAnnotations ?? []).filter((key) => next.metadata.annotations?.[key] !== undefined);
    if (removed.length > 0 && next.metadata.annotations !== undefined) {
      const annotations = Object.fromEntries(Object.entries(next.metadata.annotations).filter(([key]) => !removed.includes(key)));
      if (Object.keys(annotations).length > 0) next.metadata.annotations = annotations;
      else delete next.metadata.annotations;
    }
    const nextFinalizers = [...finalizers, ...(adding && write.addFinalizer !== undefined ? [write.addFinalizer] : [])].filter(
      (f) => f !== write.removeFinalizer,
    );
    if (nextFinalizers.length > 0) next.metadata.finalizers = nextFinalizers;
    else delete next.metadata.finalizers;

    if (isDeepStrictEqual(current, next)) {
      record("unchanged", current.metadata.resourceVersion);
      return Effect.succeed(current);
    }
    const committed = this.#commit(next);
    record(this.#runs.has(key) ? "applied" : "deleted", committed.metadata.resourceVersion);
    return Effect.succeed(committed);
  }

  #existing(ref: RunRef): RunJson {
    const run = this.#runs.get(runKey(ref));
    if (run === undefined) throw new Error(`${runKey(ref)} does not exist`);
    return run;
  }

  /**
   * Stores a new state of a run under a new resourceVersion and tells the watchers. A terminating
   * object whose last finalizer is gone is deleted, as the API server does. `run` becomes the
   * store's own and is frozen: watchers and writers share it, and a consumer that tried to change
   * it would fail loudly rather than change the store.
   */
  #commit(run: RunJson, options: { readonly delete?: boolean } = {}): RunJson {
    const key = runKey(refOfJson(run));
    this.#resourceVersion += 1;
    run.metadata.resourceVersion = String(this.#resourceVersion);
    const stored = deepFreeze(run);
    const gone =
      options.delete === true ||
      (stored.metadata.deletionTimestamp !== undefined && (stored.metadata.finalizers ?? []).length === 0);
    if (gone) {
      this.#runs.delete(key);
      this.#broadcast({ type: "delete", object: stored });
    } else {
      this.#runs.set(key, stored);
      this.#broadcast({ type: "upsert", object: stored, initial: false });
    }
    if (this.#changeListeners.size > 0) {
      this.#changedRuns.push(refOfJson(stored));
      this.#scheduleDelivery();
    }
    return stored;
  }

  #broadcast(event: RunWatchEvent): void {
    for (const watcher of this.#watchers) watcher.queue.push(event);
    this.#scheduleDelivery();
  }

  /** Delivery happens on a later turn of the event loop, never inside the call that caused it. */
  #scheduleDelivery(): void {
    if (this.#deliveryScheduled) return;
    this.#deliveryScheduled = true;
    setImmediate(() => this.#deliver());
  }

  #deliver(): void {
    // Only what is queued now; events caused by the handlers go to the next turn, so a watcher
    // that writes on every event cannot starve the event loop.
    const batches = [...this.#watchers].map((watcher) => [watcher, watcher.queue.splice(0)] as const);
    const changed = this.#changedRuns.splice(0);
    for (const [watcher, batch] of batches) {
      for (const event of batch) {
        if (!this.#watchers.has(watcher)) break;
        try {
          watcher.onEvent(event);
        } catch (error) {
          // A throwing handler is a bug in the caller: surface it, but keep the other deliveries going.
          queueMicrotask(() => {
            throw error;
          });
        }
      }
    }
    for (const ref of changed) for (const listener of this.#changeListeners) listener(ref);
    this.#deliveryScheduled = false;
    if (this.#changedRuns.length > 0 || [...this.#watchers].some((watcher) => watcher.queue.length > 0)) {
      this.#scheduleDelivery();
      return;
    }
    for (const resolve of this.#idleWaiters.splice(0)) resolve();
  }
}

/** Events in the order first recorded; a repeat (same key) replaces its first one with a higher count. */
class AggregatedEvents<E extends { readonly count: number }> {
  readonly list: Array<E> = [];
  readonly #indexByKey = new Map<string, number>();

  record(key: string, make: (count: number) => E): void {
    const index = this.#indexByKey.get(key);
    if (index === undefined) {
      this.#indexByKey.set(key, this.list.length);
      this.list.push(make(1));
    } else this.list[index] = make(this.list[index]!.count + 1);
  }
}

const copyOfWrite = (write: RunWrite): RunWrite => ({
  ...write,
  ...(write.annotations === undefined ? {} : { annotations: { ...write.annotations } }),
  ...(write.removeAnnotations === undefined ? {} : { removeAnnotations: [...write.removeAnnotations] }),
});

/** A new version of a stored run that differs only in metadata: the rest is shared, never changed. */
const shallowCopy = (run: RunJson): RunJson => ({ ...run, metadata: { ...run.metadata } });

/** Freezes what is not frozen yet; parts shared with an earlier (frozen) version are skipped. */
const deepFreeze = <A>(value: A): A => {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
};

/** The run's identity, checked because test and demo objects are hand-written. */
const checkedRef = (run: RunJson): RunRef => {
  const { kind, metadata } = run;
  if (kind !== "TaskRun" && kind !== "PipelineRun") throw new Error(`not a run kind: ${String(kind)}`);
  if (typeof metadata?.name !== "string" || typeof metadata.namespace !== "string") {
    throw new Error("a run needs metadata.name and metadata.namespace");
  }
  return refOfJson(run);
};
