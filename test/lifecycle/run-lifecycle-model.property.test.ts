import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { initialTransition, transition, type SnapshotFrom } from "xstate";
import type { LifecycleSteps, PermanentFailure } from "../../src/domain/lifecycle/lifecycle-steps.ts";
import { recordFailedPass } from "../../src/domain/lifecycle/retry-budget.ts";
import {
  createRunLifecycleMachine,
  type LifecycleActorName,
  type LifecycleEvent,
  FINAL_STATES,
  type RunLifecycleMachine,
} from "../../src/domain/lifecycle/run-lifecycle-machine.ts";
import { type PassPlan, type PlannedArtifact, type SignedArtifact, storeKey } from "../../src/domain/signing-pass/signing-artifacts.ts";

/**
 * A model-based test of the run's chart, stepped with xstate's pure `initialTransition`/`transition`:
 * no actor runs, no promise is held, no timer ticks. Each command delivers what the world does next
 * (the invoked step finishes with an arbitrary outcome, a timer fires, the controller resumes the run,
 * the run is being deleted, a child changes); a stub world applies the step's effect (what is really
 * signed, logged, stored and written on the run) so the invariants are checked against it.
 */

type Snapshot = SnapshotFrom<RunLifecycleMachine>;
type RunWrite = "retries" | "signed" | "failed";

interface RunningStep {
  readonly id: string;
  readonly src: LifecycleActorName;
  readonly input: Record<string, unknown>;
}

interface World {
  readonly machine: RunLifecycleMachine;
  readonly plan: PassPlan;
  readonly keys: ReadonlyArray<string>;
  snapshot: Snapshot;
  running: RunningStep | undefined;
  readonly timers: Map<string, { readonly type: string }>;
  /** What the world really holds, whatever the chart believes. */
  readonly signed: Set<string>;
  readonly logged: Set<string>;
  readonly stored: Set<string>;
  /** Signing-state writes on the run, in order. */
  readonly writes: Array<RunWrite>;
  deleting: boolean;
  /** A permanent failure was reported and its failed pass is not recorded yet. */
  permanentPending: boolean;
  /** Steps invoked after the run's terminal write: must stay 0. */
  stepsAfterTerminalWrite: number;
}

const noStep = () => Promise.reject(new Error("the pure test runs no step"));
const unusedSteps: LifecycleSteps = { snapshot: noStep, sign: noStep, store: noStep, annotate: noStep, recordFailure: noStep };
const identity = { ref: { kind: "TaskRun" as const, namespace: "ns", name: "r" }, uid: "u1" };
const timing = { retryDelayMs: 10, maxRetryDelayMs: 40, childWaitMs: 50 };

const plannedArtifact = (index: number, backends: ReadonlyArray<"tekton" | "oci">): PlannedArtifact =>
  ({ id: `taskrun:${index}`, shortKey: `k${index}`, storage: backends }) as unknown as PlannedArtifact;

const isTerminalWrite = (write: RunWrite): boolean => write !== "retries";
const stateOf = (world: World): string => String(world.snapshot.value);

/** Runs the chart's effects on the stub world: which step is invoked, which timers are armed. */
const applyEffects = (world: World, actions: ReadonlyArray<{ type: string; params?: unknown }>): void => {
  for (const action of actions) {
    const params = action.params as Record<string, unknown> | undefined;
    if (action.type === "xstate.stopChild") {
      const id = (params as { id?: string }).id ?? (params as { actorRef?: { id: string } }).actorRef?.id;
      if (world.running?.id === id) world.running = undefined;
    } else if (action.type === "xstate.spawnChild") {
      // One step at a time: a run's work is a sequence.
      expect(world.running).toBeUndefined();
      const step = { id: String(params!.id), src: params!.src as LifecycleActorName, input: params!.input as Record<string, unknown> };
      world.running = step;
      if (world.writes.some(isTerminalWrite)) world.stepsAfterTerminalWrite++;
      checkOnSpawn(world, step);
    } else if (action.type === "xstate.raise" && params?.delay !== undefined) {
      expect(Number(params.delay)).toBeLessThanOrEqual(Math.max(timing.maxRetryDelayMs, timing.childWaitMs));
      world.timers.set(String(params.id), params.event as { type: string });
    } else if (action.type === "xstate.cancel") {
      world.timers.delete(String(params!.sendId));
    }
  }
};

/** Invariants on what the chart asks the world to do. */
const checkOnSpawn = (world: World, step: RunningStep): void => {
  if (step.src === "writeSignedAnnotations") {
    // signed=true is written only after every planned artifact is signed and stored (and logged when transparency is on).
    for (const artifact of world.plan.artifacts) expect(world.signed.has(artifact.id)).toBe(true);
    for (const key of world.keys) expect(world.stored.has(key)).toBe(true);
    if (world.plan.uploadToTransparencyLog) for (const artifact of world.plan.artifacts) expect(world.logged.has(artifact.id)).toBe(true);
  }
  if (step.src === "recordFailedPass") {
    // A run being deleted, or failing permanently, is given up at once (one failed write, then released).
    if (world.deleting || world.permanentPending) expect(step.input.giveUp).toBe(true);
    if (world.permanentPending) expect(step.input.permanent).toBeDefined();
  }
  if (step.src === "takeSnapshot" && world.deleting) expect(step.input.proceedWithoutMissingChildren).toBe(true);
};

const deliver = (world: World, event: LifecycleEvent | { type: string; output?: unknown; error?: unknown }): void => {
  const [next, actions] = transition(world.machine, world.snapshot, event as LifecycleEvent);
  world.snapshot = next;
  applyEffects(world, actions as ReadonlyArray<{ type: string; params?: unknown }>);
};

/** Which items of `items` a list of arbitrary bits lets succeed (missing bits succeed). */
const chosen = <T,>(items: ReadonlyArray<T>, bits: ReadonlyArray<boolean>): Array<T> => items.filter((_, i) => bits[i] ?? true);

/** The invoked step finishes; `choice` and `bits` pick its outcome, the world applies its effect. */
class FinishStep implements fc.Command<World, World> {
  readonly choice: number;
  readonly bits: ReadonlyArray<boolean>;
  constructor(choice: number, bits: ReadonlyArray<boolean>) {
    this.choice = choice;
    this.bits = bits;
  }
  check = (world: Readonly<World>): boolean => world.running !== undefined;
  run(_: World, world: World): void {
    const step = world.running!;
    const done = (output: unknown) => deliver(world, { type: `xstate.done.actor.${step.id}`, output });
    // The failure being recorded is permanent only if the outcome just reported says so.
    if (step.src !== "recordFailedPass") world.permanentPending = false;
    if (this.choice % 7 === 6) return deliver(world, { type: `xstate.error.actor.${step.id}`, error: new Error("step crashed") });
    const permanent: PermanentFailure | undefined = this.choice % 7 === 5 ? { secretsVersion: "3" } : undefined;
    switch (step.src) {
      case "takeSnapshot":
        return done(
          [
            { _tag: "Ready", plan: world.plan },
            { _tag: "WaitingForChildren", waitingFor: ["child"] },
            { _tag: "NothingToDo", reason: "already signed" },
            { _tag: "Failed", reason: "cannot read" },
          ][this.choice % 4],
        );
      case "signArtifacts": {
        for (const artifact of chosen(world.plan.artifacts, this.bits)) world.signed.add(artifact.id);
        if (world.plan.uploadToTransparencyLog)
          for (const artifact of chosen(world.plan.artifacts, this.bits.slice(3))) if (world.signed.has(artifact.id)) world.logged.add(artifact.id);
        const signed = Object.fromEntries(
          world.plan.artifacts
            .filter((a) => world.signed.has(a.id))
            .map((a) => [a.id, { ...a, ...(world.logged.has(a.id) ? { transparencyEntry: { url: `https://log/${a.id}` } } : {}) } as unknown as SignedArtifact]),
        );
        const allSigned = world.plan.artifacts.every((a) => world.signed.has(a.id));
        if (!allSigned) {
          world.permanentPending = permanent !== undefined;
          return done({ _tag: "Failed", signed, reason: "signer down", ...(permanent ? { permanent } : {}) });
        }
        const unlogged = world.plan.uploadToTransparencyLog && world.plan.artifacts.some((a) => !world.logged.has(a.id));
        return done({ _tag: "Done", signed, ...(unlogged ? { uploadFailure: "rekor down" } : {}) });
      }
      case "storeArtifacts": {
        for (const key of chosen(world.keys, this.bits)) world.stored.add(key);
        const failed = world.keys.some((k) => !world.stored.has(k));
        world.permanentPending = failed && permanent !== undefined;
        return done({
          stored: [...world.stored],
          annotations: step.input.annotations,
          ...(failed ? { failure: "store down", ...(permanent ? { permanent } : {}) } : {}),
        });
      }
      case "writeSignedAnnotations": {
        const outcome = [{ _tag: "Done" }, { _tag: "Gone", reason: "deleted" }, { _tag: "Failed", reason: "conflict" }][this.choice % 3]!;
        if (outcome._tag === "Done") world.writes.push("signed");
        return done(outcome);
      }
      case "recordFailedPass": {
        if (this.choice % 3 === 2) return done({ _tag: "Gone", reason: "deleted" });
        const { exhausted } = recordFailedPass(Number(step.input.failedPasses), Boolean(step.input.giveUp));
        world.writes.push(exhausted ? "failed" : "retries");
        const wasPermanent = world.permanentPending;
        world.permanentPending = false;
        done({ _tag: "Recorded", exhausted });
        // A permanent failure produces exactly one failed write, and the run ends failed.
        if (wasPermanent) expect([stateOf(world), world.writes.filter((w) => w === "failed").length]).toEqual(["failed", 1]);
        // A run being deleted ends at its first failure recorded after the deletion, so its finalizer is released.
        if (step.input.giveUp === true) expect(world.snapshot.status).toBe("done");
        return;
      }
    }
  }
  toString = () => `finish(${this.choice}, ${this.bits.map(Number).join("")})`;
}

class FireTimer implements fc.Command<World, World> {
  readonly index: number;
  constructor(index: number) {
    this.index = index;
  }
  check = (world: Readonly<World>): boolean => world.timers.size > 0;
  run(_: World, world: World): void {
    const [id, event] = [...world.timers][this.index % world.timers.size]!;
    world.timers.delete(id);
    deliver(world, event);
  }
  toString = () => `fire(${this.index})`;
}

class Send implements fc.Command<World, World> {
  readonly event: LifecycleEvent;
  constructor(event: LifecycleEvent) {
    this.event = event;
  }
  check = (world: Readonly<World>): boolean => world.snapshot.status === "active";
  run(_: World, world: World): void {
    if (this.event.type === "RUN_DELETING") world.deleting = true;
    deliver(world, this.event);
  }
  toString = () => this.event.type;
}

/** Mostly `true`: most artifacts sign, log and store, so runs get far enough to test the late invariants. */
const mostlyTrue = fc.oneof({ arbitrary: fc.constant(true), weight: 4 }, { arbitrary: fc.constant(false), weight: 1 });
/** 0 is every step's success; any other number picks one of its other outcomes. */
const outcomeChoice = fc.oneof({ arbitrary: fc.constant(0), weight: 3 }, { arbitrary: fc.nat(20), weight: 2 });

const finishStep = fc.tuple(outcomeChoice, fc.array(mostlyTrue, { maxLength: 6 })).map(([choice, bits]) => new FinishStep(choice, bits));

const commands = fc.commands(
  [
    // Listed three times: the world mostly answers the step in flight (fc.commands takes no weights).
    finishStep,
    finishStep,
    finishStep,
    fc.nat(3).map((index) => new FireTimer(index)),
    fc.constant(new Send({ type: "RESUME" })),
    fc.constantFrom<LifecycleEvent>({ type: "RUN_DELETING" }, { type: "CHILDREN_CHANGED" }).map((event) => new Send(event)),
  ],
  { size: "+1" },
);

const worlds = fc
  .record({
    artifacts: fc.integer({ min: 1, max: 3 }),
    backends: fc.constantFrom<ReadonlyArray<"tekton" | "oci">>(["tekton"], ["tekton", "oci"]),
    uploadToTransparencyLog: fc.boolean(),
    failedPasses: fc.nat(4),
  })
  .map(({ artifacts, backends, uploadToTransparencyLog, failedPasses }) => () => {
    const planned = Array.from({ length: artifacts }, (_, i) => plannedArtifact(i, backends));
    const plan: PassPlan = { artifacts: planned, uploadToTransparencyLog, warnings: [], missingChildren: [] };
    const machine = createRunLifecycleMachine(unusedSteps);
    const [snapshot, actions] = initialTransition(machine, { ...identity, failedPasses, timing });
    const world: World = {
      machine,
      plan,
      keys: planned.flatMap((a) => a.storage.map((b) => storeKey(a.id, b))),
      snapshot,
      running: undefined,
      timers: new Map(),
      signed: new Set(),
      logged: new Set(),
      stored: new Set(),
      writes: [],
      deleting: false,
      permanentPending: false,
      stepsAfterTerminalWrite: 0,
    };
    applyEffects(world, actions as ReadonlyArray<{ type: string; params?: unknown }>);
    return world;
  });

describe("run lifecycle chart, model-based", () => {
  // Whatever the world does, the chart writes signed=true only when everything is signed, stored and
  // logged, writes at most one terminal state and nothing after it, gives up at once on deletion or a
  // permanent failure, and is final exactly when it holds no step and no timer.
  it("keeps its invariants under arbitrary step outcomes, timers, resumes, deletions and child changes", () => {
    fc.assert(
      fc.property(worlds, commands, (makeWorld, cmds) => {
        const world = makeWorld();
        fc.modelRun(() => ({ model: world, real: world }), cmds);
        const final = (FINAL_STATES as ReadonlyArray<string>).includes(stateOf(world));
        expect(world.snapshot.status === "done").toBe(final);
        if (final) expect([world.running, world.timers.size]).toEqual([undefined, 0]);
        // A run that is not final waits on something: a step, a timer, a worker or its children.
        if (!final) expect(world.running !== undefined || world.timers.size > 0 || stateOf(world) === "queued" || stateOf(world) === "awaitingChildren").toBe(true);
        expect(world.writes.filter(isTerminalWrite).length).toBeLessThanOrEqual(1);
        expect(world.writes.findIndex(isTerminalWrite) === -1 || world.writes.findIndex(isTerminalWrite) === world.writes.length - 1).toBe(true);
        expect(world.stepsAfterTerminalWrite).toBe(0);
      }),
      { numRuns: 300 },
    );
  });
});
