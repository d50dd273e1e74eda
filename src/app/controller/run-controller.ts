import { Effect, Result } from "effect";
import { createActor, type Actor, type SnapshotFrom } from "xstate";
import { finalizerFor } from "../../domain/annotations/chains-annotations.ts";
import { isTerminal, signingStateOf } from "../../domain/annotations/signing-state.ts";
import { decideRunCommand, type Lane } from "../../domain/lifecycle/decide-run-command.ts";
import { REARM_REMOVED_ANNOTATIONS, rearmableSecretsVersionOf, signAgainUnder } from "../../domain/lifecycle/key-material-failure.ts";
import {
  createRunLifecycleMachine,
  FINAL_STATES,
  type LifecycleTiming,
  PARKED_STATES,
  type RunLifecycleMachine,
} from "../../domain/lifecycle/run-lifecycle-machine.ts";
import { parentPipelineRunOf } from "../../domain/run/pipeline-run-parent.ts";
import { isBeingDeleted, isDone } from "../../domain/run/run-completion.ts";
import { decodeRunObject, type RunDecodeFailed, type RunKind, type RunObject } from "../../domain/run/run-object.ts";
import { runKey, runRefOf, runRefOfRaw, type RunRef } from "../../domain/run/run-ref.ts";
import { Cluster, type ClusterUnavailable, type RunWatch, type RunWatchEvent } from "../../ports/cluster.ts";
import { Metrics } from "../../ports/metrics.ts";
import { type EffectRunner, makeLifecycleSteps } from "../lifecycle/lifecycle-steps-on-ports.ts";
import { passMetric } from "../lifecycle/pass-metrics.ts";
import type { ConfigHolder } from "./config-holder.ts";
import { type Leadership, soleLeader } from "./leadership.ts";
import { isProcessed } from "./run-filters.ts";
import { WorkQueue } from "./work-queue.ts";

export interface ControllerOptions {
  /** Concurrent signing passes (`--threads-per-controller`). */
  readonly workers: number;
  readonly timing: LifecycleTiming;
  /** Namespaces to process (`--namespace`); empty means all. */
  readonly namespaces: ReadonlyArray<string>;
  /** How long `stop` waits for passes in flight before abandoning them. */
  readonly shutdownGraceMs: number;
  /** Which run kinds this replica may process; default: all (a single replica). */
  readonly leadership?: Leadership;
  /**
   * How often the config in force is compared with `chains-config` between passes (a cache read),
   * so a rejected edit is reported when it is made, not at the next run. Default 5 s.
   */
  readonly configRefreshMs?: number;
}

export const defaultControllerOptions: ControllerOptions = {
  workers: 2,
  timing: { retryDelayMs: 2_000, maxRetryDelayMs: 5 * 60_000, childWaitMs: 10 * 60_000 },
  namespaces: [],
  shutdownGraceMs: 30_000,
};

export type Outcome = (typeof FINAL_STATES)[number];

export interface ControllerHooks {
  /** Every state a run's actor enters, for the demo's progress display and for debugging. */
  readonly onTransition?: (ref: RunRef, state: string) => void;
  /** A run's actor finished: annotated, failed, or abandoned (gone or already terminal). */
  readonly onSettled?: (ref: RunRef, outcome: Outcome, reason: string | undefined) => void;
}

/** Event messages are cut here: the API server limits them, and a decode error can be long. */
const MAX_EVENT_MESSAGE = 1024;

interface KeyMaterialFailure {
  readonly ref: RunRef;
  readonly uid: string;
  readonly secretsVersion: string;
}

/**
 * Signed or failed, with no write left to make. A signed run being deleted under our finalizer
 * still needs one (its release), which a replica that leads only later must be able to make, so
 * it stays held whatever else lets settled runs go.
 */
const isSettled = (run: RunObject): boolean =>
  isTerminal(signingStateOf(run.metadata.annotations)) &&
  !(isBeingDeleted(run) && run.metadata.finalizers?.includes(finalizerFor(run.kind)) === true);

type LifecycleActor = Actor<RunLifecycleMachine>;
type LifecycleSnapshot = SnapshotFrom<RunLifecycleMachine>;

const stateName = (snapshot: LifecycleSnapshot): string => String(snapshot.value);
const isParked = (snapshot: LifecycleSnapshot): boolean => (PARKED_STATES as ReadonlyArray<string>).includes(stateName(snapshot));

/**
 * Watches runs and drives one lifecycle actor per run that needs signing. Actors exist only while
 * their run is in flight. Full run objects are held only for runs still to be signed and for the
 * signed children such a PipelineRun needs; the watch keeps the rest as metadata (uid and
 * resourceVersion), so memory follows the work left, not the cluster's history.
 */
export class RunController {
  private readonly runner: EffectRunner;
  private readonly configHolder: ConfigHolder;
  private readonly options: ControllerOptions;
  private readonly hooks: ControllerHooks;
  private readonly leadership: Leadership;
  private readonly machine: RunLifecycleMachine;
  private readonly runs = new Map<string, RunObject>();
  /** Keys of runs seen signed or failed: all that is kept of them. */
  private readonly settledRuns = new Set<string>();
  private readonly actors = new Map<string, LifecycleActor>();
  private readonly finalizerRequested = new Set<string>();
  /** Runs marked failed on key material that could not be used, by key: the secrets version it was. */
  private readonly keyMaterialFailures = new Map<string, KeyMaterialFailure>();
  private readonly queue = new WorkQueue();
  private readonly workers: Array<Promise<void>> = [];
  private watch: RunWatch | undefined;
  private unsubscribeLeadership: () => void = () => undefined;
  private configTimer: ReturnType<typeof setInterval> | undefined;
  /** Releases that failed and are tried again after the retry delay (no event may ever come). */
  private readonly releaseRetries = new Set<ReturnType<typeof setTimeout>>();
  private synced = false;

  private constructor(runner: EffectRunner, configHolder: ConfigHolder, options: ControllerOptions, hooks: ControllerHooks) {
    this.runner = runner;
    this.configHolder = configHolder;
    this.options = options;
    this.hooks = hooks;
    this.leadership = options.leadership ?? soleLeader;
    this.machine = createRunLifecycleMachine(
      makeLifecycleSteps({ run: (ref) => this.runs.get(runKey(ref)), config: () => this.configHolder.current() }, runner),
    );
  }

  /** Watches runs and starts the workers. The config holder is shared with the signers. */
  static async start(
    runner: EffectRunner,
    configHolder: ConfigHolder,
    options: ControllerOptions,
    hooks: ControllerHooks = {},
  ): Promise<Result.Result<RunController, ClusterUnavailable>> {
    const controller = new RunController(runner, configHolder, options, hooks);
    controller.unsubscribeLeadership = controller.leadership.subscribe((kind, leading) =>
      leading ? controller.promote(kind) : controller.demote(kind),
    );
    const watch = await runner.runPromise(
      Effect.result(Cluster.use((c) => c.watchRuns((event) => controller.onWatchEvent(event)))),
    );
    if (Result.isFailure(watch)) return Result.fail(watch.failure);
    controller.watch = watch.success;
    // A refresh cut short by shutdown is of no consequence: the next start reads the config anew.
    controller.configTimer = setInterval(() => controller.refreshConfig().catch(() => undefined), options.configRefreshMs ?? 5_000);
    controller.configTimer.unref();
    for (let i = 0; i < options.workers; i++) controller.workers.push(controller.work());
    return Result.succeed(controller);
  }

  /** The state of a run's actor, or `undefined` when none is in flight. */
  stateOf(ref: RunRef): string | undefined {
    const actor = this.actors.get(runKey(ref));
    return actor === undefined ? undefined : stateName(actor.getSnapshot());
  }

  /** How many full run objects are held: the runs still to be signed and the children they need. */
  heldRunObjects(): number {
    return this.runs.size;
  }

  /**
   * Graceful shutdown: stop watching, let passes in flight reach a parked or final state (up to
   * the grace period), then drop every actor. Nothing is lost: durable state is on the runs.
   */
  async stop(): Promise<void> {
    this.unsubscribeLeadership();
    clearInterval(this.configTimer);
    for (const timer of this.releaseRetries) clearTimeout(timer);
    this.releaseRetries.clear();
    this.watch?.stop();
    this.queue.close();
    await Promise.race([
      Promise.all(this.workers),
      new Promise((resolve) => setTimeout(resolve, this.options.shutdownGraceMs).unref()),
    ]);
    for (const actor of this.actors.values()) actor.stop();
    this.actors.clear();
  }

  private onWatchEvent(event: RunWatchEvent): void {
    if (event.type === "synced") {
      this.synced = true;
      this.dropUnneededChildren();
      return;
    }
    const decoded = decodeRunObject(event.object);
    if (Result.isFailure(decoded)) {
      this.reportUnreadable(event, decoded.failure);
      return;
    }
    const run = decoded.success;
    const key = runKey(runRefOf(run));
    if (event.type === "delete") {
      this.runs.delete(key);
      this.settledRuns.delete(key);
      this.finalizerRequested.delete(key);
      this.keyMaterialFailures.delete(key);
      this.notifyParent(run);
      if (run.kind === "PipelineRun") this.dropChildrenOf(key);
      return;
    }
    if (!isProcessed(run, this.options.namespaces, this.configHolder.current())) return;
    this.hold(run);
    this.notifyParent(run);
    if (this.leadership.leads(run.kind)) this.consider(run, event.initial && !this.synced ? "backlog" : "live");
  }

  /**
   * An object that does not decode as a run is never signed: besides the log line and metric, a
   * run that can be named (say, with malformed `status.conditions`) gets a Warning Event saying why,
   * from the leader for its kind, so `kubectl describe` shows it.
   */
  private reportUnreadable(event: RunWatchEvent, failure: RunDecodeFailed): void {
    const ref = event.type === "upsert" ? runRefOfRaw(event.object) : undefined;
    const inScope = (r: RunRef) => this.options.namespaces.length === 0 || this.options.namespaces.includes(r.namespace);
    const recordable = ref !== undefined && this.leadership.leads(ref.kind) && inScope(ref);
    const message = `chains-ts cannot read this ${ref?.kind ?? "object"}, so it is not signed: ${failure.reason}`.slice(0, MAX_EVENT_MESSAGE);
    this.log(
      Metrics.use((metrics) => {
        metrics.increment(passMetric.undecodableRuns);
        return Effect.logWarning(`ignoring an object that is not a run: ${failure.reference}: ${failure.reason}`);
      }).pipe(
        Effect.andThen(
          recordable ? Cluster.use((cluster) => cluster.recordEvent(ref, { type: "Warning", reason: "RunUnreadable", message })) : Effect.void,
        ),
      ),
    );
  }

  /** Keeps the full object only while it is still needed (see the class comment). */
  private hold(run: RunObject): void {
    const key = runKey(runRefOf(run));
    const failedSecretsVersion = rearmableSecretsVersionOf(run);
    if (failedSecretsVersion !== undefined)
      this.keyMaterialFailures.set(key, { ref: runRefOf(run), uid: run.metadata.uid, secretsVersion: failedSecretsVersion });
    else this.keyMaterialFailures.delete(key);
    if (!isSettled(run)) {
      this.settledRuns.delete(key);
      this.runs.set(key, run);
      return;
    }
    this.settledRuns.add(key);
    if (run.kind === "PipelineRun") {
      this.runs.delete(key);
      this.dropChildrenOf(key);
    } else if (this.parentWaits(run)) this.runs.set(key, run);
    else this.runs.delete(key);
  }

  /**
   * A signed child is kept while its PipelineRun may still need it for provenance: the parent is
   * not settled, and it is held or, before the first list is complete, may yet be seen.
   */
  private parentWaits(run: RunObject): boolean {
    const parent = parentPipelineRunOf(run);
    if (parent === undefined) return false;
    const parentKey = runKey(parent);
    return !this.settledRuns.has(parentKey) && (this.runs.has(parentKey) || !this.synced);
  }

  private dropChildrenOf(parentKey: string): void {
    for (const [key, run] of [...this.runs]) {
      const parent = parentPipelineRunOf(run);
      if (parent !== undefined && runKey(parent) === parentKey && isSettled(run)) this.runs.delete(key);
    }
  }

  /** At the end of the first list every parent has been seen: children of none are let go. */
  private dropUnneededChildren(): void {
    for (const [key, run] of [...this.runs]) {
      if (run.kind === "TaskRun" && isSettled(run) && !this.parentWaits(run)) this.runs.delete(key);
    }
  }

  /** What a leader does about a run it has just seen: the pure decision, carried out. */
  private consider(run: RunObject, lane: Lane): void {
    const key = runKey(runRefOf(run));
    const command = decideRunCommand(run, {
      hasActor: this.actors.has(key),
      finalizerRequested: this.finalizerRequested.has(key),
      lane,
    });
    switch (command._tag) {
      case "Nothing":
        return;
      case "EnsureFinalizer":
        return this.ensureFinalizer(run, command.finalizer);
      case "Release":
        return this.release(run, command.finalizer);
      case "SendDeleting":
        return void this.actors.get(key)?.send({ type: "RUN_DELETING" });
      case "Queue":
        return this.queue.add(key, command.lane, command.completedAt);
    }
  }

  /**
   * This replica now leads `kind`: every held run of that kind is considered again, in the
   * backlog lane, with the filters applied (reference defect #3).
   */
  private promote(kind: RunKind): void {
    for (const run of [...this.runs.values()]) {
      if (run.kind === kind && isProcessed(run, this.options.namespaces, this.configHolder.current())) this.consider(run, "backlog");
    }
  }

  /**
   * Another replica now leads `kind`: parked actors stop at once; a pass in flight finishes its
   * current step and stops when it parks (the renew deadline leaves it time before the lease expires).
   */
  private demote(kind: RunKind): void {
    for (const [key, actor] of [...this.actors]) {
      if (actor.getSnapshot().context.ref.kind === kind && isParked(actor.getSnapshot())) this.retire(key, actor);
    }
  }

  private retire(key: string, actor: LifecycleActor): void {
    if (this.actors.get(key) === actor) this.actors.delete(key);
    this.finalizerRequested.delete(key);
    actor.stop();
  }

  /** The first of at most two writes per run: a finalizer, so a deletion waits for signing. */
  private ensureFinalizer(run: RunObject, finalizer: string): void {
    const key = runKey(runRefOf(run));
    this.finalizerRequested.add(key);
    // A failed write is retried on the run's next event.
    this.write(run, { addFinalizer: finalizer }, "add the finalizer", () => this.finalizerRequested.delete(key));
  }

  /** Removes our finalizer from a run that has nothing (more) to sign: being deleted, or finished. */
  private release(run: RunObject, finalizer: string): void {
    const key = runKey(runRefOf(run));
    // A run being deleted gets no further event, so a failed release is retried on a timer, from
    // the run as then held; otherwise its deletion would wait for good (reference defect #8).
    this.write(run, { removeFinalizer: finalizer }, "remove the finalizer", () => {
      const timer = setTimeout(() => {
        this.releaseRetries.delete(timer);
        const held = this.runs.get(key);
        if (held !== undefined && this.leadership.leads(held.kind)) this.consider(held, "live");
      }, this.options.timing.retryDelayMs);
      timer.unref();
      this.releaseRetries.add(timer);
    });
  }

  /**
   * A finalizer write, with the Event the reference records for each (`FinalizerUpdate`, or
   * `FinalizerUpdateFailed` with the reason), so `kubectl describe` tells the same story.
   */
  private write(run: RunObject, change: { addFinalizer?: string; removeFinalizer?: string }, what: string, onFailure: () => void): void {
    const ref = runRefOf(run);
    const name = JSON.stringify(ref.name);
    this.log(
      Cluster.use((cluster) =>
        cluster.writeRun(ref, { ...change, uid: run.metadata.uid }).pipe(
          Effect.andThen(cluster.recordEvent(ref, { type: "Normal", reason: "FinalizerUpdate", message: `Updated ${name} finalizers` })),
          Effect.catch((error) => {
            const reason = error._tag === "ClusterUnavailable" ? `${error.operation}: ${error.reason}` : error._tag;
            return Effect.sync(onFailure).pipe(
              Effect.andThen(Effect.logWarning(`could not ${what} on ${runKey(ref)}: ${reason}`)),
              Effect.andThen(
                error._tag === "RunGone"
                  ? Effect.void
                  : cluster.recordEvent(ref, { type: "Warning", reason: "FinalizerUpdateFailed", message: `Failed to update finalizers for ${name}: ${reason}` }),
              ),
            );
          }),
        ),
      ),
    );
  }

  /** A child TaskRun changed: its parent PipelineRun may stop waiting. */
  private notifyParent(run: RunObject): void {
    const parent = parentPipelineRunOf(run);
    if (parent !== undefined) this.actors.get(runKey(parent))?.send({ type: "CHILDREN_CHANGED" });
  }

  private work(): Promise<void> {
    return this.queue.serve(async (key) => {
      await this.refreshConfig();
      await this.advance(key);
    });
  }

  /** Gives a run a worker until its actor parks or finishes. */
  private advance(key: string): Promise<void> {
    const actor = this.actors.get(key) ?? this.spawn(key);
    if (actor === undefined) return Promise.resolve();
    return new Promise((resolve) => {
      const settle = (snapshot: LifecycleSnapshot): boolean => {
        if (snapshot.status !== "done" && !isParked(snapshot)) return false;
        resolve();
        return true;
      };
      if (actor.getSnapshot().matches("queued")) actor.send({ type: "RESUME" });
      if (settle(actor.getSnapshot())) return;
      const subscription = actor.subscribe({
        next: (snapshot) => {
          if (settle(snapshot)) subscription.unsubscribe();
        },
        error: () => {
          subscription.unsubscribe();
          resolve();
        },
        // Retired (leadership lost) or stopped at shutdown.
        complete: () => resolve(),
      });
    });
  }

  private spawn(key: string): LifecycleActor | undefined {
    const run = this.runs.get(key);
    if (run === undefined || !isDone(run) || !this.leadership.leads(run.kind)) return undefined;
    const state = signingStateOf(run.metadata.annotations);
    if (state._tag !== "Unsigned") return undefined;
    const ref = runRefOf(run);
    const actor = createActor(this.machine, {
      input: { ref, uid: run.metadata.uid, failedPasses: state.failedPasses, timing: this.options.timing },
    });
    this.actors.set(key, actor);
    let previous = "";
    actor.subscribe({
      next: (snapshot) => {
        const current = stateName(snapshot);
        if (current === previous) return;
        previous = current;
        this.hooks.onTransition?.(ref, current);
        if (isParked(snapshot) && !this.leadership.leads(ref.kind)) {
          this.retire(key, actor);
          return;
        }
        // A parked actor whose timer fired, or whose children changed, asks for a worker again.
        if (current === "queued") this.queue.add(key, "live");
        if (snapshot.status === "done") this.settle(key, actor, current as Outcome, snapshot.context.lastError);
      },
      error: (error) => this.settle(key, actor, "abandoned", `actor crashed: ${String(error)}`),
    });
    actor.start();
    if (isBeingDeleted(run)) actor.send({ type: "RUN_DELETING" });
    return actor;
  }

  private settle(key: string, actor: LifecycleActor, outcome: Outcome, reason: string | undefined): void {
    if (this.actors.get(key) === actor) this.actors.delete(key);
    this.finalizerRequested.delete(key);
    this.hooks.onSettled?.(actor.getSnapshot().context.ref, outcome, reason);
  }

  /**
   * A run marked failed because the key material in `signing-secrets` could not be used is signed
   * again once the Secret changes (signing.md §1): one write clears `signed`, `retries` and the
   * failed version, and the run's next event queues it like any unsigned run. A write that fails
   * is tried again at the next refresh.
   */
  private async signAgainAfterSecretChange(): Promise<void> {
    if (this.keyMaterialFailures.size === 0) return;
    const secrets = await this.runner.runPromise(Effect.result(Cluster.use((c) => c.readSigningSecrets())));
    if (Result.isFailure(secrets)) return;
    const version = secrets.success.version;
    for (const [key, failure] of [...this.keyMaterialFailures]) {
      if (!signAgainUnder(failure.secretsVersion, version) || !this.leadership.leads(failure.ref.kind)) continue;
      this.keyMaterialFailures.delete(key);
      const clear = { uid: failure.uid, removeAnnotations: REARM_REMOVED_ANNOTATIONS };
      const message =
        `signing-secrets changed since this run failed on its key material ` +
        `(version ${failure.secretsVersion}, now ${version}): signing it again`;
      this.log(
        Cluster.use((cluster) =>
          cluster.writeRun(failure.ref, clear).pipe(
            Effect.andThen(cluster.recordEvent(failure.ref, { type: "Normal", reason: "SigningRetried", message })),
            Effect.catch((error) =>
              error._tag === "RunGone"
                ? Effect.void
                : Effect.sync(() => this.keyMaterialFailures.set(key, failure)).pipe(
                    Effect.andThen(Effect.logWarning(`could not clear the key-material failure of ${key}: ${error._tag}`)),
                  ),
            ),
          ),
        ),
      );
    }
  }

  /**
   * Hot reload: a valid new config applies to the next pass; an invalid one is rejected and logged.
   * A changed signing Secret gives the runs that failed on its key material another pass.
   */
  private async refreshConfig(): Promise<void> {
    await this.signAgainAfterSecretChange();
    const data = await this.runner.runPromise(Effect.result(Cluster.use((c) => c.readConfig())));
    if (Result.isFailure(data)) return;
    const update = this.configHolder.update(data.success);
    if (update._tag === "Rejected") {
      const message = `chains-config rejected, keeping the previous config: ${update.error.message}`;
      await this.runner.runPromise(
        Effect.logWarning(message).pipe(
          Effect.andThen(Cluster.use((cluster) => cluster.recordConfigEvent({ type: "Warning", reason: "ConfigRejected", message }))),
        ),
      );
    }
    if (update._tag === "Applied") for (const warning of update.warnings) await this.runner.runPromise(Effect.logWarning(warning));
  }

  /** Fire-and-forget for effects that already handle their errors. */
  private log(effect: Effect.Effect<void, never, Cluster | Metrics>): void {
    // Only interruption can reject it (the runtime disposed at shutdown): what was cut short is
    // redone from the runs' state by the next leader or start.
    this.runner.runPromise(effect).catch(() => undefined);
  }
}
