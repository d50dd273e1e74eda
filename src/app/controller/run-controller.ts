import { Effect, Result } from "effect";
import { createActor, type Actor, type SnapshotFrom } from "xstate";
import { finalizerFor } from "../../domain/annotations/chains-annotations.ts";
import { isTerminal, signingStateOf } from "../../domain/annotations/signing-state.ts";
import { decideRunCommand, type Lane, showsLastWrite } from "../../domain/lifecycle/decide-run-command.ts";
import { rearmableSecretsVersionOf } from "../../domain/lifecycle/key-material-failure.ts";
import {
  createRunLifecycleMachine,
  FINAL_STATES,
  type LifecycleTiming,
  LAST_WRITE_STATES,
  PARKED_STATES,
  type RunLifecycleMachine,
  stateNameOf,
  WORKER_STATES,
} from "../../domain/lifecycle/run-lifecycle-machine.ts";
import { observeRun, type RunObservation } from "../../domain/lifecycle/run-observation.ts";
import { parentPipelineRunOf } from "../../domain/run/pipeline-run-parent.ts";
import { isBeingDeleted } from "../../domain/run/run-completion.ts";
import { decodeRunObject, type RunDecodeFailed, type RunKind, type RunObject } from "../../domain/run/run-object.ts";
import { runKey, runRefOf, runRefOfRaw, type RunRef } from "../../domain/run/run-ref.ts";
import { systemTimers } from "../../adapters/clock/system-timers.ts";
import { ClusterEvents } from "../../ports/cluster-events.ts";
import type { ClusterServices, ClusterUnavailable } from "../../ports/cluster.ts";
import { ConfigSource } from "../../ports/config-source.ts";
import { RunSource, type RunWatch, type RunWatchEvent } from "../../ports/run-source.ts";
import { RunWriter } from "../../ports/run-writer.ts";
import { Metrics } from "../../ports/metrics.ts";
import type { TimerHandle, Timers } from "../../ports/timers.ts";
import { type EffectRunner, makeLifecycleSteps } from "../lifecycle/lifecycle-steps-on-ports.ts";
import { passMetric } from "../lifecycle/pass-metrics.ts";
import type { ConfigHolder } from "./config-holder.ts";
import { type Leadership, type RunName, soleLeader } from "./leadership.ts";
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
  /**
   * What every wait runs on: the run charts' retry, release retry and child-wait delays, the config
   * refresh and the shutdown grace. Default: Node's timers; a test gives a `ManualClock` to move time.
   */
  readonly timers?: Timers["Service"];
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
  /** A run's actor finished: annotated, failed, released (its finalizer), or abandoned (gone or nothing to do). */
  readonly onSettled?: (ref: RunRef, outcome: Outcome, reason: string | undefined) => void;
}

/** Event messages are cut here: the API server limits them, and a decode error can be long. */
const MAX_EVENT_MESSAGE = 1024;

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

const stateName = (snapshot: LifecycleSnapshot): string => stateNameOf(snapshot.value);
const isParked = (snapshot: LifecycleSnapshot): boolean => (PARKED_STATES as ReadonlyArray<string>).includes(stateName(snapshot));
const holdsWorker = (snapshot: LifecycleSnapshot): boolean =>
  snapshot.status === "active" && (WORKER_STATES as ReadonlyArray<string>).includes(stateName(snapshot));

/**
 * Watch intake, the pure `decideRunCommand`, the work queue and the registry of run charts: it
 * routes each watched run to its chart (`run-lifecycle-machine.ts`, where everything about a run's
 * life is decided, and whose invoked actors make every write) and gives a chart waiting in `queued`
 * a worker. A chart exists only while its run has something left to do. Full run objects are held
 * only for runs still to be signed and for the signed children such a PipelineRun needs; the watch
 * keeps the rest as metadata (uid and resourceVersion), so memory follows the work left, not the
 * cluster's history.
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
  /** Run uids, by key, whose chart ended with the run's last write that the watch has not shown yet. */
  private readonly endedCharts = new Map<string, string>();
  /** Runs whose live chart the watch has already shown its last write: no later sighting is late. */
  private readonly lastWriteShown = new Set<string>();
  /** Keys of the charts of runs failed on key material, waiting for `signing-secrets` to change. */
  private readonly awaitingNewSecrets = new Set<string>();
  /**
   * How each run failed on key material was first seen, by key, led or not: all that is kept of
   * it (the run is settled), so a replica that leads later starts its chart too.
   */
  private readonly keyMaterialFailures = new Map<string, { readonly ref: RunRef; readonly observation: RunObservation }>();
  private readonly queue = new WorkQueue();
  private readonly workers: Array<Promise<void>> = [];
  private watch: RunWatch | undefined;
  private unsubscribeLeadership: () => void = () => undefined;
  private readonly timers: Timers["Service"];
  private configTimer: TimerHandle;
  private synced = false;

  private constructor(runner: EffectRunner, configHolder: ConfigHolder, options: ControllerOptions, hooks: ControllerHooks) {
    this.runner = runner;
    this.configHolder = configHolder;
    this.options = options;
    this.hooks = hooks;
    this.leadership = options.leadership ?? soleLeader;
    this.timers = options.timers ?? systemTimers;
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
    controller.unsubscribeLeadership = controller.leadership.subscribe((kind, leading, inBucket) =>
      leading ? controller.promote(kind, inBucket) : controller.demote(kind, inBucket),
    );
    const watch = await runner.runPromise(
      Effect.result(RunSource.use((c) => c.watchRuns((event) => controller.onWatchEvent(event)))),
    );
    if (Result.isFailure(watch)) return Result.fail(watch.failure);
    controller.watch = watch.success;
    controller.scheduleConfigRefresh();
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
    this.timers.clearTimeout(this.configTimer);
    this.watch?.stop();
    this.queue.close();
    let grace: TimerHandle;
    await Promise.race([
      Promise.all(this.workers),
      new Promise((resolve) => (grace = this.timers.setTimeout(() => resolve(undefined), this.options.shutdownGraceMs, { background: true }))),
    ]);
    this.timers.clearTimeout(grace);
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
      this.endedCharts.delete(key);
      this.lastWriteShown.delete(key);
      this.keyMaterialFailures.delete(key);
      const chart = this.actors.get(key);
      if (chart?.getSnapshot().context.uid === run.metadata.uid) this.retire(key, chart);
      this.notifyParent(run);
      if (run.kind === "PipelineRun") this.dropChildrenOf(key);
      return;
    }
    if (!isProcessed(run, this.options.namespaces, this.configHolder.current())) return;
    this.hold(run);
    this.notifyParent(run);
    if (this.leadership.leads(run.kind, run.metadata)) this.consider(run, event.initial && !this.synced ? "backlog" : "live");
  }

  /**
   * An object that does not decode as a run is never signed: besides the log line and metric, a
   * run that can be named (say, with malformed `status.conditions`) gets a Warning Event saying why,
   * from the leader for its kind, so `kubectl describe` shows it.
   */
  private reportUnreadable(event: RunWatchEvent, failure: RunDecodeFailed): void {
    const ref = event.type === "upsert" ? runRefOfRaw(event.object) : undefined;
    const inScope = (r: RunRef) => this.options.namespaces.length === 0 || this.options.namespaces.includes(r.namespace);
    const recordable = ref !== undefined && this.leadership.leads(ref.kind, ref) && inScope(ref);
    const message = `chains-ts cannot read this ${ref?.kind ?? "object"}, so it is not signed: ${failure.reason}`.slice(0, MAX_EVENT_MESSAGE);
    this.log(
      Metrics.use((metrics) => {
        metrics.increment(passMetric.undecodableRuns);
        return Effect.logWarning(`ignoring an object that is not a run: ${failure.reference}: ${failure.reason}`);
      }).pipe(
        Effect.andThen(
          recordable ? ClusterEvents.use((events) => events.recordEvent(ref, { type: "Warning", reason: "RunUnreadable", message })) : Effect.void,
        ),
      ),
    );
  }

  /** Keeps the full object only while it is still needed (see the class comment). */
  private hold(run: RunObject): void {
    const key = runKey(runRefOf(run));
    if (rearmableSecretsVersionOf(run) === undefined) this.keyMaterialFailures.delete(key);
    else this.keyMaterialFailures.set(key, { ref: runRefOf(run), observation: observeRun(run, "backlog") });
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
    const chart = this.actors.get(key);
    const command = decideRunCommand(run, { chartUid: chart?.getSnapshot().context.uid, endedUid: this.endedCharts.get(key), lane });
    if (command._tag !== "Late") this.endedCharts.delete(key);
    switch (command._tag) {
      case "Nothing":
      case "Late":
        return;
      case "Observe":
        if (chart !== undefined && showsLastWrite(command.observation) && (LAST_WRITE_STATES as ReadonlyArray<string>).includes(stateName(chart.getSnapshot())))
          this.lastWriteShown.add(key);
        return void chart?.send({ type: "OBSERVED", observation: command.observation });
      case "Stop":
        return void (chart === undefined ? undefined : this.retire(key, chart));
      case "Start":
        if (chart !== undefined) this.retire(key, chart);
        return this.spawn(runRefOf(run), command.observation);
    }
  }

  /**
   * This replica now leads a bucket of `kind`: every held run in it is considered again, in the
   * backlog lane, with the filters applied (reference defect #3).
   */
  private promote(kind: RunKind, inBucket: (run: RunName) => boolean): void {
    for (const run of [...this.runs.values()]) {
      if (run.kind !== kind || !inBucket(run.metadata)) continue;
      if (isProcessed(run, this.options.namespaces, this.configHolder.current())) this.consider(run, "backlog");
    }
    for (const [key, { ref, observation }] of [...this.keyMaterialFailures])
      if (ref.kind === kind && inBucket(ref) && !this.actors.has(key)) this.spawn(ref, observation);
  }

  /**
   * Another replica now leads a bucket of `kind`: parked actors of its runs stop at once; a pass in
   * flight finishes its current step and stops when it parks (the renew deadline leaves it time
   * before the lease expires). The runs stay held, for when this replica leads the bucket again.
   */
  private demote(kind: RunKind, inBucket: (run: RunName) => boolean): void {
    for (const [key, actor] of [...this.actors]) {
      const { ref } = actor.getSnapshot().context;
      if (ref.kind === kind && inBucket(ref) && isParked(actor.getSnapshot())) this.retire(key, actor);
    }
  }

  private retire(key: string, actor: LifecycleActor): void {
    if (this.actors.get(key) === actor) this.forget(key);
    actor.stop();
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

  /** Gives a run's chart a worker, from `queued` until its pass parks or ends. */
  private advance(key: string): Promise<void> {
    const actor = this.actors.get(key);
    if (actor === undefined) return Promise.resolve();
    return new Promise((resolve) => {
      const settle = (snapshot: LifecycleSnapshot): boolean => {
        if (holdsWorker(snapshot)) return false;
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
        // Retired (leadership lost, run deleted) or stopped at shutdown.
        complete: () => resolve(),
      });
    });
  }

  /** Starts the chart of a run the leader has something to do for. */
  private spawn(ref: RunRef, observation: RunObservation): void {
    const key = runKey(ref);
    const actor = createActor(this.machine, {
      input: { ref, uid: observation.uid, observation, timing: this.options.timing },
      clock: this.timers,
    });
    this.actors.set(key, actor);
    this.lastWriteShown.delete(key);
    let previous = "";
    actor.subscribe({
      next: (snapshot) => {
        const current = stateName(snapshot);
        if (this.actors.get(key) !== actor) return;
        if (isParked(snapshot) && !this.leadership.leads(ref.kind, ref)) {
          this.retire(key, actor);
          return;
        }
        // Waiting for a worker: first in the lane it was seen in, live once a pass has started.
        if (current === "queued") this.queue.add(key, snapshot.context.lane, snapshot.context.observation.completedAt);
        if (current === "awaitingNewSecrets") this.awaitingNewSecrets.add(key);
        else this.awaitingNewSecrets.delete(key);
        if (current === previous) return;
        previous = current;
        this.hooks.onTransition?.(ref, current);
        if (snapshot.status === "done") this.settle(key, actor, current as Outcome, snapshot.context.lastError);
      },
      error: (error) => this.settle(key, actor, "abandoned", `actor crashed: ${String(error)}`),
    });
    actor.start();
  }

  private settle(key: string, actor: LifecycleActor, outcome: Outcome, reason: string | undefined): void {
    if (this.actors.get(key) === actor) this.forget(key);
    // The watch may still deliver the run as it was before that last write: those sightings are
    // late, not work. Unless the watch showed that write while the chart made it: then every later
    // sighting is news (say, the signature annotations removed), and none would clear the mark.
    const shown = this.lastWriteShown.delete(key);
    if (outcome !== "abandoned" && !shown) this.endedCharts.set(key, actor.getSnapshot().context.uid);
    this.hooks.onSettled?.(actor.getSnapshot().context.ref, outcome, reason);
  }

  private forget(key: string): void {
    this.actors.delete(key);
    this.awaitingNewSecrets.delete(key);
  }

  /**
   * Runs marked failed because the key material in `signing-secrets` could not be used are signed
   * again once the Secret changes (signing.md §1): their charts hear the version in force, and
   * decide. A read that fails is tried again at the next refresh.
   */
  private async signAgainAfterSecretChange(): Promise<void> {
    if (this.awaitingNewSecrets.size === 0) return;
    const secrets = await this.runner.runPromise(Effect.result(ConfigSource.use((c) => c.readSigningSecrets())));
    if (Result.isFailure(secrets)) return;
    for (const key of [...this.awaitingNewSecrets]) this.actors.get(key)?.send({ type: "SECRETS_VERSION", version: secrets.success.version });
  }

  /** Compares the config in force with chains-config every `configRefreshMs`, until `stop`. */
  private scheduleConfigRefresh(): void {
    this.configTimer = this.timers.setTimeout(
      () => {
        // A refresh cut short by shutdown is of no consequence: the next start reads the config anew.
        this.refreshConfig().catch(() => undefined);
        this.scheduleConfigRefresh();
      },
      this.options.configRefreshMs ?? 5_000,
      { background: true },
    );
  }

  /**
   * Hot reload: a valid new config applies to the next pass; an invalid one is rejected and logged.
   * A changed signing Secret gives the runs that failed on its key material another pass.
   */
  private async refreshConfig(): Promise<void> {
    await this.signAgainAfterSecretChange();
    const data = await this.runner.runPromise(Effect.result(ConfigSource.use((c) => c.readConfig())));
    if (Result.isFailure(data)) return;
    const update = this.configHolder.update(data.success);
    if (update._tag === "Rejected") {
      const message = `chains-config rejected, keeping the previous config: ${update.error.message}`;
      await this.runner.runPromise(
        Effect.logWarning(message).pipe(
          Effect.andThen(ClusterEvents.use((events) => events.recordConfigEvent({ type: "Warning", reason: "ConfigRejected", message }))),
        ),
      );
    }
    if (update._tag === "Applied") for (const warning of update.warnings) await this.runner.runPromise(Effect.logWarning(warning));
  }

  /** Fire-and-forget for effects that already handle their errors. */
  private log(effect: Effect.Effect<void, never, ClusterServices | Metrics>): void {
    // Only interruption can reject it (the runtime disposed at shutdown): what was cut short is
    // redone from the runs' state by the next leader or start.
    this.runner.runPromise(effect).catch(() => undefined);
  }
}
