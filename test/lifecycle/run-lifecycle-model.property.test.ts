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
  stateNameOf,
} from "../../src/domain/lifecycle/run-lifecycle-machine.ts";
import { nothingToSign, releaseOwed, type RunObservation } from "../../src/domain/lifecycle/run-observation.ts";
import { unusedSteps } from "./unused-steps.ts";
import { type PassPlan, type PlannedArtifact, type SignedArtifact, storeKey } from "../../src/domain/signing-pass/signing-artifacts.ts";

/**
 * A model-based test of the run's chart, stepped with xstate's pure `initialTransition`/`transition`:
 * no actor runs, no promise is held, no timer ticks. The chart starts from an arbitrary first
 * sighting (running or completed, being deleted or not, with or without our finalizer). Each command
 * delivers what the world does next (the invoked step finishes with an arbitrary outcome, a timer
 * fires, the controller resumes the run, the run completes, is deleted or is seen again, a child
 * changes); a stub world applies the step's effect (what is really signed, logged, stored, and
 * written on the run, its finalizer included) so the invariants are checked against it.
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
  /** The run as it really is. */
  done: boolean;
  deleting: boolean;
  /** Signed or failed before the chart started (by an earlier controller, or Tekton Chains). */
  terminalBefore: boolean;
  /** Our finalizer is on the run. */
  finalizer: boolean;
  /** The `signing-secrets` version the run was marked failed on, for its key material. */
  failedVersion: string | undefined;
  /** A step found the run gone: the watch delivers nothing more of it. */
  gone: boolean;
  /** The run was deleted with no finalizer of ours on it: the controller stopped its chart. */
  retired: boolean;
  readonly lane: "live" | "backlog";
  /** A permanent failure was reported and its failed pass is not recorded yet. */
  permanentPending: boolean;
  /** Steps invoked after the run's terminal write: must stay 0. */
  stepsAfterTerminalWrite: number;
}

const identity = { ref: { kind: "TaskRun" as const, namespace: "ns", name: "r" }, uid: "u1" };
const timing = { retryDelayMs: 10, maxRetryDelayMs: 40, childWaitMs: 50 };

const plannedArtifact = (index: number, backends: ReadonlyArray<"tekton" | "oci">): PlannedArtifact =>
  ({ id: `taskrun:${index}`, shortKey: `k${index}`, storage: backends }) as unknown as PlannedArtifact;

const isTerminalWrite = (write: RunWrite): boolean => write !== "retries";
const stateOf = (world: World): string => stateNameOf(world.snapshot.value);
const terminal = (world: World): boolean => world.terminalBefore || world.writes.some(isTerminalWrite);

/** The run as the watch would report it now. */
const observationOf = (world: World): RunObservation => ({
  uid: identity.uid,
  done: world.done,
  deleting: world.deleting,
  terminal: terminal(world),
  failedPasses: 0,
  failedSecretsVersion: world.deleting ? undefined : world.failedVersion,
  holdsFinalizer: world.finalizer,
  completedAt: 0,
  lane: world.lane,
});

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
      if (world.writes.some(isTerminalWrite) && step.src !== "clearKeyMaterialFailure") world.stepsAfterTerminalWrite++;
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
  // The finalizer is added only to a run still to be signed: unfinished, not being deleted, never signed or failed.
  if (step.src === "addFinalizer") expect([world.done, world.deleting, terminal(world)]).toEqual([false, false, false]);
  // A release is asked for only when the run holds our finalizer and has nothing (more) to sign.
  if (step.src === "releaseFinalizer") expect(world.finalizer && (terminal(world) || (world.deleting && !world.done))).toBe(true);
  // A run is signed again only when it failed on key material and the Secret is now at another version.
  if (step.src === "clearKeyMaterialFailure")
    expect([terminal(world), world.failedVersion === undefined, step.input.currentVersion === world.failedVersion]).toEqual([true, false, false]);
  // A pass starts only for a completed run that is neither signed nor failed.
  if (step.src === "takeSnapshot") expect([world.done, terminal(world)]).toEqual([true, false]);
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

/** Every state the runs of this file went through, so the test shows the generator reaches them all. */
const visited = new Set<string>();

const deliver = (world: World, event: LifecycleEvent | { type: string; output?: unknown; error?: unknown }): void => {
  const [next, actions] = transition(world.machine, world.snapshot, event as LifecycleEvent);
  world.snapshot = next;
  visited.add(stateOf(world));
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
  check = (world: Readonly<World>): boolean => world.running !== undefined && !world.retired;
  run(_: World, world: World): void {
    const step = world.running!;
    const done = (output: unknown) => deliver(world, { type: `xstate.done.actor.${step.id}`, output });
    // The failure being recorded is permanent only if the outcome just reported says so.
    if (step.src !== "recordFailedPass") world.permanentPending = false;
    if (this.choice % 7 === 6) return deliver(world, { type: `xstate.error.actor.${step.id}`, error: new Error("step crashed") });
    const permanent: PermanentFailure | undefined = this.choice % 7 === 5 ? { secretsVersion: "3" } : undefined;
    switch (step.src) {
      case "addFinalizer":
      case "releaseFinalizer":
      case "clearKeyMaterialFailure": {
        const outcome = [{ _tag: "Done" }, { _tag: "Failed", reason: "API server unavailable" }, { _tag: "Gone", reason: "deleted" }][this.choice % 3]!;
        if (outcome._tag === "Done" && step.src === "clearKeyMaterialFailure") {
          // The run is unsigned again: a new life whose writes are checked afresh.
          world.writes.length = 0;
          world.failedVersion = undefined;
          world.terminalBefore = false;
        } else if (outcome._tag === "Done") world.finalizer = step.src === "addFinalizer";
        if (outcome._tag === "Gone") world.gone = true;
        return done(outcome);
      }
      case "takeSnapshot": {
        const outcome = [
          { _tag: "Ready", plan: world.plan },
          { _tag: "WaitingForChildren", waitingFor: ["child"] },
          { _tag: "NothingToDo", reason: "the run no longer exists" },
          { _tag: "Failed", reason: "cannot read" },
        ][this.choice % 4]!;
        // Only this chart signs the run here, so a snapshot finds nothing to do only when the run is gone.
        if (outcome._tag === "NothingToDo") world.gone = true;
        return done(outcome);
      }
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
        if (outcome._tag === "Done") {
          world.writes.push("signed");
          world.finalizer = false;
        }
        if (outcome._tag === "Gone") world.gone = true;
        return done(outcome);
      }
      case "recordFailedPass": {
        if (this.choice % 3 === 2) {
          world.gone = true;
          return done({ _tag: "Gone", reason: "deleted" });
        }
        const { exhausted } = recordFailedPass(Number(step.input.failedPasses), Boolean(step.input.giveUp));
        world.writes.push(exhausted ? "failed" : "retries");
        if (exhausted) world.finalizer = false;
        if (exhausted && world.permanentPending) world.failedVersion = String((step.input.permanent as PermanentFailure | undefined)?.secretsVersion);
        const wasPermanent = world.permanentPending;
        world.permanentPending = false;
        done({ _tag: "Recorded", exhausted });
        // A permanent failure produces exactly one failed write, and the run ends failed.
        // One failed on key material, unless being deleted, waits for the Secret to change.
        if (wasPermanent)
          expect([stateOf(world), world.writes.filter((w) => w === "failed").length]).toEqual([world.deleting ? "failed" : "awaitingNewSecrets", 1]);
        // A run being deleted ends at its first failure recorded after the deletion, so its finalizer is released.
        if (step.input.giveUp === true) expect(world.snapshot.status === "done" || stateOf(world) === "awaitingNewSecrets").toBe(true);
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
  check = (world: Readonly<World>): boolean => world.timers.size > 0 && !world.retired;
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
  check = (world: Readonly<World>): boolean => world.snapshot.status === "active" && !world.retired;
  run(_: World, world: World): void {
    deliver(world, this.event);
  }
  toString = () => this.event.type;
}

type RunChange = "complete" | "delete" | "seen again";

/** The run changes (or is just delivered again) and the watch tells the chart; a deleted run without our finalizer is gone. */
class ChangeRun implements fc.Command<World, World> {
  readonly change: RunChange;
  constructor(change: RunChange) {
    this.change = change;
  }
  check = (world: Readonly<World>): boolean => world.snapshot.status === "active" && !world.gone && !world.retired;
  run(_: World, world: World): void {
    if (this.change === "complete") world.done = true;
    if (this.change === "delete") world.deleting = true;
    // The API server deletes a run with no finalizer at once; the controller then stops its chart.
    if (world.deleting && !world.finalizer) {
      world.retired = true;
      return;
    }
    deliver(world, { type: "OBSERVED", observation: observationOf(world) });
  }
  toString = () => this.change;
}

/**
 * The world turns kind: every step succeeds, timers fire, a worker resumes the run, the run
 * completes. Every chart must then end, so a run's life can never wait for good.
 */
const drain = (world: World): void => {
  for (let i = 0; i < 200 && world.snapshot.status === "active" && !world.retired; i++) {
    if (world.running !== undefined) new FinishStep(0, []).run(world, world);
    else if (stateOf(world) === "queued") deliver(world, { type: "RESUME" });
    else if (stateOf(world) === "running" && !world.gone) new ChangeRun("complete").run(world, world);
    else if (world.timers.size > 0) new FireTimer(0).run(world, world);
    else if (stateOf(world) === "awaitingNewSecrets") deliver(world, { type: "SECRETS_VERSION", version: "4" });
    else throw new Error(`stuck in ${stateOf(world)}`);
  }
};

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
    fc.constant(new Send({ type: "CHILDREN_CHANGED" })),
    fc.constantFrom("3", "4").map((version) => new Send({ type: "SECRETS_VERSION", version })),
    fc.constantFrom<RunChange>("complete", "delete", "seen again").map((change) => new ChangeRun(change)),
  ],
  { size: "+1" },
);

const worlds = fc
  .record({
    artifacts: fc.integer({ min: 1, max: 3 }),
    backends: fc.constantFrom<ReadonlyArray<"tekton" | "oci">>(["tekton"], ["tekton", "oci"]),
    uploadToTransparencyLog: fc.boolean(),
    failedPasses: fc.nat(4),
    run: fc.record({
      done: fc.boolean(),
      deleting: fc.boolean(),
      terminalBefore: fc.boolean(),
      finalizer: fc.boolean(),
      lane: fc.constantFrom<"live" | "backlog">("live", "backlog"),
      /** Marked failed on the key material of secrets version 3 before this chart (a restart, or another leader). */
      failedOnKeyMaterial: fc.boolean(),
    }),
  })
  .map(({ run, ...rest }) => ({ ...rest, run: run.failedOnKeyMaterial ? { ...run, done: true, terminalBefore: true, finalizer: false } : run }))
  // The controller starts a chart only for a run with something to sign, a finalizer to release, or a key-material failure.
  .filter(({ run }) => {
    const first = {
      uid: identity.uid,
      terminal: run.terminalBefore,
      holdsFinalizer: run.finalizer,
      failedPasses: 0,
      failedSecretsVersion: undefined,
      completedAt: 0,
      ...run,
    };
    return releaseOwed(first) || !nothingToSign(first) || (run.failedOnKeyMaterial && !run.deleting);
  })
  .map(({ artifacts, backends, uploadToTransparencyLog, failedPasses, run }) => () => {
    const planned = Array.from({ length: artifacts }, (_, i) => plannedArtifact(i, backends));
    const plan: PassPlan = { artifacts: planned, uploadToTransparencyLog, warnings: [], missingChildren: [] };
    const machine = createRunLifecycleMachine(unusedSteps);
    const observation: RunObservation = {
      uid: identity.uid,
      done: run.done,
      deleting: run.deleting,
      terminal: run.terminalBefore,
      failedPasses,
      failedSecretsVersion: run.failedOnKeyMaterial && !run.deleting ? "3" : undefined,
      holdsFinalizer: run.finalizer,
      completedAt: 0,
      lane: run.lane,
    };
    const [snapshot, actions] = initialTransition(machine, { ...identity, observation, timing });
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
      done: run.done,
      deleting: run.deleting,
      terminalBefore: run.terminalBefore,
      finalizer: run.finalizer,
      failedVersion: run.failedOnKeyMaterial ? "3" : undefined,
      gone: false,
      retired: false,
      lane: run.lane,
      permanentPending: false,
      stepsAfterTerminalWrite: 0,
    };
    applyEffects(world, actions as ReadonlyArray<{ type: string; params?: unknown }>);
    visited.add(stateOf(world));
    return world;
  });

describe("run lifecycle chart, model-based", () => {
  // Whatever the world does, the chart adds the finalizer only to a run still to be signed, releases
  // only a finalizer it holds on a run with nothing to sign, writes signed=true only when everything
  // is signed, stored and logged, writes at most one terminal state and nothing after it, gives up at
  // once on deletion or a permanent failure, is final exactly when it holds no step and no timer, and
  // once the world lets it, always ends with our finalizer off the run; a run failed on key material
  // is signed again only after the Secret changed.
  it("keeps its invariants under arbitrary first sightings, step outcomes, timers, resumes, run changes and child changes", () => {
    fc.assert(
      fc.property(worlds, commands, (makeWorld, cmds) => {
        const world = makeWorld();
        fc.modelRun(() => ({ model: world, real: world }), cmds);
        const final = (FINAL_STATES as ReadonlyArray<string>).includes(stateOf(world));
        expect(world.snapshot.status === "done").toBe(final);
        if (final) expect([world.running, world.timers.size]).toEqual([undefined, 0]);
        // A run that is not final waits on something: a step, a timer, a worker, its children, its completion or a new Secret.
        const waiting = ["queued", "awaitingChildren", "running", "awaitingNewSecrets"].includes(stateOf(world));
        if (!final) expect(world.running !== undefined || world.timers.size > 0 || waiting).toBe(true);
        expect(world.writes.filter(isTerminalWrite).length).toBeLessThanOrEqual(1);
        expect(world.writes.findIndex(isTerminalWrite) === -1 || world.writes.findIndex(isTerminalWrite) === world.writes.length - 1).toBe(true);
        expect(world.stepsAfterTerminalWrite).toBe(0);
        // Every life ends, and it ends with our finalizer off a run that still exists: a deletion never waits for good.
        drain(world);
        if (!world.retired) expect(world.snapshot.status).toBe("done");
        if (!world.gone) expect(world.finalizer).toBe(false);
        expect(world.writes.filter(isTerminalWrite).length).toBeLessThanOrEqual(1);
      }),
      { numRuns: 300 },
    );
    // Every state a run can rest in was reached, or the invariants say nothing about it.
    const resting = Object.keys(createRunLifecycleMachine(unusedSteps).root.states).filter((s) => !["observed", "signing", "passEnded"].includes(s));
    const passSteps = Object.keys(createRunLifecycleMachine(unusedSteps).root.states["signing"]!.states).filter((s) => s !== "resume");
    expect([...resting, ...passSteps].filter((s) => !visited.has(s))).toEqual([]);
  });
});
