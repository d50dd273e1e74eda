import { type AnyEventObject, initialTransition, type SnapshotFrom, transition } from "xstate";
import type { RunJson } from "../../adapters/memory/run-json.ts";
import type { LifecycleSteps } from "../../domain/lifecycle/lifecycle-steps.ts";
import {
  createRunLifecycleMachine,
  type LifecycleActorName,
  type LifecycleEvent,
  type LifecycleInput,
  type RunLifecycleMachine,
  stateNameOf,
  STEP_OF_ACTOR,
} from "../../domain/lifecycle/run-lifecycle-machine.ts";
import type { FinishedCall, StepName } from "./finished-call.ts";
import { fail } from "./repl-error.ts";

export type LifecycleSnapshot = SnapshotFrom<RunLifecycleMachine>;

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

/** The step the chart invoked and waits on. */
interface InvokedStep {
  readonly actorId: string;
  readonly step: StepName;
  readonly input: unknown;
}

/** A delayed event the chart armed (a retry delay or the child wait). */
interface ArmedTimer {
  readonly sendId: string;
  readonly event: AnyEventObject;
  readonly delayMs: number;
}

/** The chart at one moment: its snapshot and the effects it waits on. Immutable, so history is a list of them. */
interface Moment {
  readonly snapshot: LifecycleSnapshot;
  readonly invoked: InvokedStep | undefined;
  readonly timers: ReadonlyArray<ArmedTimer>;
}

/** Everything `back` needs to return to the moment before one transition. */
interface HistoryEntry {
  /** `undefined`: before the chart was started. */
  readonly moment: Moment | undefined;
  readonly run: RunJson | undefined;
}

/** How long one step may take (a KMS or registry call, for instance) before the REPL gives up waiting. */
const STEP_TIMEOUT_MS = 60_000;

export const stateName = (snapshot: LifecycleSnapshot): string => stateNameOf(snapshot.value);

/**
 * The effects xstate's pure `transition` returns, applied to what the chart waits on: which step
 * is invoked (`spawnChild`/`stopChild`) and which timers are armed (`raise` with a delay, `cancel`).
 */
const withEffects = (moment: Moment, actions: ReadonlyArray<{ readonly type: string; readonly params?: unknown }>): Moment => {
  let { invoked, timers } = moment;
  for (const action of actions) {
    const params = (action.params ?? {}) as Record<string, unknown>;
    if (action.type === "xstate.spawnChild")
      invoked = { actorId: String(params.id), step: STEP_OF_ACTOR[params.src as LifecycleActorName], input: params.input };
    else if (action.type === "xstate.stopChild" && invoked?.actorId === String(params.id)) invoked = undefined;
    else if (action.type === "xstate.raise" && typeof params.delay === "number")
      timers = [...timers, { sendId: String(params.id), event: params.event as AnyEventObject, delayMs: params.delay }];
    else if (action.type === "xstate.cancel") timers = timers.filter((timer) => timer.sendId !== String(params.sendId));
  }
  return { ...moment, invoked, timers };
};

/** Runs one step on the ports and reports what it did; a rejection is a value here, as the chart sees it. */
const callStep = async (steps: LifecycleSteps, invoked: InvokedStep): Promise<FinishedCall> => {
  const run = steps[invoked.step] as (input: unknown) => Promise<unknown>;
  try {
    return { step: invoked.step, input: invoked.input, result: { _tag: "Returned", outcome: await run(invoked.input) } } as FinishedCall;
  } catch (error) {
    return { step: invoked.step, input: invoked.input, result: { _tag: "Rejected", error } } as FinishedCall;
  }
};

/**
 * One run's lifecycle chart, moved one transition at a time with xstate's pure
 * `initialTransition`/`transition`: each gives the next snapshot and the effects to run, and the
 * REPL runs the invoked step through the controller's own steps on the ports, fires an armed timer
 * when asked (so a retry delay takes no real time yet keeps the controller's durations), and
 * answers `queued` with RESUME as a worker would. No actor runs, so `back` is an earlier moment.
 */
export class LifecycleStepper {
  readonly #steps: LifecycleSteps;
  readonly #machine: RunLifecycleMachine;
  readonly #runStore: RunObjectStore;
  readonly #history: Array<HistoryEntry> = [];
  #moment: Moment | undefined;

  constructor(steps: LifecycleSteps, runStore: RunObjectStore) {
    this.#steps = steps;
    this.#machine = createRunLifecycleMachine(steps);
    this.#runStore = runStore;
  }

  get snapshot(): LifecycleSnapshot | undefined {
    return this.#moment?.snapshot;
  }

  get started(): boolean {
    return this.#moment !== undefined;
  }

  get depth(): number {
    return this.#history.length;
  }

  /** The step call the next `step` would run, if the chart is in a working state. */
  get heldStep(): { readonly step: StepName; readonly input: unknown } | undefined {
    return this.#moment?.invoked;
  }

  /**
   * The first transition: the chart sorts the completed run into `queued`, and a free worker
   * resumes it at once, so the chart enters `pending`, as in the controller with a worker to spare.
   */
  start(input: LifecycleInput): Transition {
    this.#remember();
    const [snapshot, actions] = initialTransition(this.#machine, input);
    this.#moment = withEffects({ snapshot, invoked: undefined, timers: [] }, actions);
    if (snapshot.matches("queued")) this.#send({ type: "RESUME" });
    return this.#moved(undefined, { _tag: "Started", input });
  }

  /** Moves the chart by exactly one transition. */
  async step(): Promise<Transition> {
    const moment = this.#moment ?? fail("no lifecycle actor yet");
    const from = stateName(moment.snapshot);
    if (moment.snapshot.status !== "active") fail(`the run's lifecycle is over (${from}); 'back' to step again, or 'load' a run`);
    if (from === "queued") {
      this.#remember();
      this.#send({ type: "RESUME" });
      return this.#moved(from, { _tag: "Resumed" });
    }
    const invoked = moment.invoked;
    if (invoked === undefined) {
      const timer = [...moment.timers].sort((a, b) => a.delayMs - b.delayMs)[0] ?? fail(`no lifecycle step started in ${from}`);
      this.#remember();
      this.#moment = { ...moment, timers: moment.timers.filter((t) => t !== timer) };
      this.#send(timer.event);
      return this.#moved(from, { _tag: "TimerElapsed", state: from, delayMs: timer.delayMs });
    }
    this.#remember();
    const call = await this.#within(callStep(this.#steps, invoked), `${invoked.step} did not finish`);
    this.#send(
      call.result._tag === "Returned"
        ? { type: `xstate.done.actor.${invoked.actorId}`, output: call.result.outcome }
        : { type: `xstate.error.actor.${invoked.actorId}`, error: call.result.error },
    );
    return this.#moved(from, { _tag: "StepSettled", call });
  }

  /** A child of the waiting PipelineRun changed, as the controller tells the parent's actor. */
  childrenChanged(): Transition | undefined {
    if (this.#moment === undefined || stateName(this.#moment.snapshot) !== "awaitingChildren") return undefined;
    this.#remember();
    this.#send({ type: "CHILDREN_CHANGED" });
    return this.#moved("awaitingChildren", { _tag: "ChildrenChanged" });
  }

  /**
   * Returns to the moment before the last transition: the chart's snapshot (context included) with
   * the step and timers it waited on, and the run object's annotations and finalizers in the
   * cluster. Stores, the transparency log, Events and armed failures are not rolled back.
   */
  back(): LifecycleSnapshot | undefined {
    const entry = this.#history.pop() ?? fail("nothing to go back to");
    if (entry.run !== undefined) this.#runStore.restore(entry.run);
    this.#moment = entry.moment;
    return entry.moment?.snapshot;
  }

  /** Forgets the chart and its history (another run is being inspected). */
  reset(): void {
    this.#moment = undefined;
    this.#history.length = 0;
  }

  /**
   * One event into the chart. Besides the chart's own events, the REPL delivers what xstate's
   * runtime would: a finished step (`xstate.done.actor.*`/`xstate.error.actor.*`) and a fired
   * timer, whose types the chart's event union does not name.
   */
  #send(event: LifecycleEvent | AnyEventObject): void {
    const moment = this.#moment ?? fail("no lifecycle actor yet");
    const [snapshot, actions] = transition(this.#machine, moment.snapshot, event as LifecycleEvent);
    this.#moment = withEffects({ ...moment, snapshot }, actions);
  }

  #remember(): void {
    this.#history.push({ moment: this.#moment, run: this.#runStore.get() });
  }

  #moved(from: string | undefined, cause: StepCause): Transition {
    const snapshot = (this.#moment ?? fail("the chart is gone")).snapshot;
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
