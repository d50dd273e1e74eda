import { type Actor, createActor, type SnapshotFrom, waitFor } from "xstate";
import type { RunJson } from "../../adapters/memory/run-json.ts";
import type { LifecycleSteps } from "../../domain/lifecycle/lifecycle-steps.ts";
import {
  createRunLifecycleMachine,
  type LifecycleEvent,
  type LifecycleInput,
  type RunLifecycleMachine,
} from "../../domain/lifecycle/run-lifecycle-machine.ts";
import { HeldTimers } from "./held-timers.ts";
import { fail } from "./repl-error.ts";
import { type FinishedCall, StepGate } from "./step-gate.ts";

type LifecycleActor = Actor<RunLifecycleMachine>;
export type LifecycleSnapshot = SnapshotFrom<RunLifecycleMachine>;
type PersistedSnapshot = ReturnType<LifecycleActor["getPersistedSnapshot"]>;

/** Why the statechart moved. */
export type StepCause =
  | { readonly _tag: "Started"; readonly input: LifecycleInput }
  | { readonly _tag: "StepSettled"; readonly call: FinishedCall }
  | { readonly _tag: "TimerElapsed"; readonly state: string; readonly delayMs: number | undefined }
  | { readonly _tag: "Resumed" }
  | { readonly _tag: "ChildrenChanged" };

export interface Transition {
  readonly from: string | undefined;
  readonly to: string;
  readonly cause: StepCause;
  readonly snapshot: LifecycleSnapshot;
}

/** Where the inspected run object lives, so `back` can put it back as it was. */
export interface RunObjectStore {
  readonly get: () => RunJson | undefined;
  readonly restore: (run: RunJson) => void;
}

/** Everything `back` needs to return to the moment before one transition. */
interface HistoryEntry {
  /** `undefined`: before the actor was started. */
  readonly persisted: PersistedSnapshot | undefined;
  readonly input: LifecycleInput | undefined;
  readonly run: RunJson | undefined;
  /** The delay of the timer the actor was waiting on, if it was parked on one. */
  readonly timerDelayMs: number | undefined;
}

const TIMER_STATES = ["retrying", "awaitingChildren"];
/** How long one step may take (a KMS or registry call, for instance) before the REPL gives up waiting. */
const STEP_TIMEOUT_MS = 60_000;

export const stateName = (snapshot: LifecycleSnapshot): string => String(snapshot.value);

/**
 * One run's lifecycle actor, moved one transition at a time: the controller's statechart and step
 * implementations behind a gate, its timers held, `queued` answered with RESUME as a worker would.
 * Every transition first saves a persisted snapshot, which `back` restores.
 */
export class LifecycleStepper {
  readonly #gate = new StepGate();
  readonly #machine: RunLifecycleMachine;
  readonly #runStore: RunObjectStore;
  readonly #history: Array<HistoryEntry> = [];
  #actor: LifecycleActor | undefined;
  #input: LifecycleInput | undefined;
  #timers = new HeldTimers();
  /** Set after `back` into a timer state: xstate does not persist pending timers. */
  #restoredTimerMs: number | undefined;

  constructor(steps: LifecycleSteps, runStore: RunObjectStore) {
    this.#machine = createRunLifecycleMachine(this.#gate.wrap(steps));
    this.#runStore = runStore;
  }

  get snapshot(): LifecycleSnapshot | undefined {
    return this.#actor?.getSnapshot();
  }

  get started(): boolean {
    return this.#actor !== undefined;
  }

  get depth(): number {
    return this.#history.length;
  }

  /** The step call the next `step` would release, if the actor is in a working state. */
  get heldStep(): StepGate["held"] {
    return this.#gate.held;
  }

  /** The first transition: a fresh actor enters `pending`, as when the controller spawns one. */
  start(input: LifecycleInput, deleting: boolean): Transition {
    this.#remember();
    this.#input = input;
    const actor = this.#spawn(undefined);
    if (deleting) actor.send({ type: "RUN_DELETING" });
    return { from: undefined, to: stateName(actor.getSnapshot()), cause: { _tag: "Started", input }, snapshot: actor.getSnapshot() };
  }

  /** Moves the actor by exactly one transition. */
  async step(): Promise<Transition> {
    const actor = this.#actor ?? fail("no lifecycle actor yet");
    const before = actor.getSnapshot();
    const from = stateName(before);
    if (before.status !== "active") fail(`the run's lifecycle is over (${from}); 'back' to step again, or 'load' a run`);
    if (from === "queued") {
      this.#remember();
      actor.send({ type: "RESUME" });
      return this.#moved(from, { _tag: "Resumed" });
    }
    if (TIMER_STATES.includes(from)) {
      this.#remember();
      const delayMs = this.#timers.fireNext() ?? this.#fireRestoredTimer(actor, from);
      return this.#moved(from, { _tag: "TimerElapsed", state: from, delayMs });
    }
    await this.#within(this.#gate.whenHeld(), `no lifecycle step started in ${from}`);
    this.#remember();
    const call = await this.#gate.release();
    await this.#within(
      waitFor(actor, (s) => stateName(s) !== from || s.status !== "active", { timeout: STEP_TIMEOUT_MS }),
      `the actor did not leave ${from}`,
    );
    return this.#moved(from, { _tag: "StepSettled", call });
  }

  /** A child of the waiting PipelineRun changed, as the controller tells the parent's actor. */
  childrenChanged(): Transition | undefined {
    const actor = this.#actor;
    if (actor === undefined || stateName(actor.getSnapshot()) !== "awaitingChildren") return undefined;
    this.#remember();
    actor.send({ type: "CHILDREN_CHANGED" });
    return this.#moved("awaitingChildren", { _tag: "ChildrenChanged" });
  }

  /**
   * Returns to the moment before the last transition: the actor's persisted snapshot (context
   * included) and the run object's annotations and finalizers in the cluster. Stores, the
   * transparency log, Events and armed failures are not rolled back.
   */
  back(): LifecycleSnapshot | undefined {
    const entry = this.#history.pop() ?? fail("nothing to go back to");
    this.#stopActor();
    if (entry.run !== undefined) this.#runStore.restore(entry.run);
    if (entry.persisted === undefined) {
      this.#input = entry.input;
      return undefined;
    }
    this.#input = entry.input;
    const actor = this.#spawn(entry.persisted);
    this.#restoredTimerMs = entry.timerDelayMs;
    return actor.getSnapshot();
  }

  /** Forgets the actor and its history (another run is being inspected). */
  reset(): void {
    this.#stopActor();
    this.#history.length = 0;
    this.#input = undefined;
  }

  #spawn(persisted: PersistedSnapshot | undefined): LifecycleActor {
    const input = this.#input ?? fail("no run to start an actor for");
    this.#timers = new HeldTimers();
    this.#restoredTimerMs = undefined;
    const actor = createActor(this.#machine, {
      input,
      clock: this.#timers,
      ...(persisted === undefined ? {} : { snapshot: persisted }),
    });
    this.#actor = actor;
    actor.start();
    return actor;
  }

  #stopActor(): void {
    this.#actor?.stop();
    this.#actor = undefined;
    this.#gate.discard();
  }

  #remember(): void {
    this.#history.push({
      persisted: this.#actor?.getPersistedSnapshot(),
      input: this.#input,
      run: this.#runStore.get(),
      timerDelayMs: this.#timers.nextDelayMs ?? this.#restoredTimerMs,
    });
  }

  /** A restored actor lost its timer; the timer's own event does what the timer would have done. */
  #fireRestoredTimer(actor: LifecycleActor, state: string): number | undefined {
    const timer = this.#machine.getStateNodeById(`run-lifecycle.${state}`).after[0];
    if (timer === undefined) return fail(`${state} has no timer`);
    const delayMs = this.#restoredTimerMs;
    this.#restoredTimerMs = undefined;
    actor.send({ type: timer.eventType } as unknown as LifecycleEvent);
    return delayMs;
  }

  #moved(from: string, cause: StepCause): Transition {
    const snapshot = (this.#actor ?? fail("the actor is gone")).getSnapshot();
    return { from, to: stateName(snapshot), cause, snapshot };
  }

  async #within<A>(promise: Promise<A>, what: string): Promise<A> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} within ${STEP_TIMEOUT_MS / 1000} s`)), STEP_TIMEOUT_MS);
    });
    try {
      return await Promise.race([promise, timeout]);
    } catch (error) {
      return fail(error instanceof Error ? error.message : String(error));
    } finally {
      clearTimeout(timer);
    }
  }
}
