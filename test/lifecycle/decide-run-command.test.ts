import { Result } from "effect";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { initialTransition } from "xstate";
import { decideRunCommand, type CachedRunState, type Lane } from "../../src/domain/lifecycle/decide-run-command.ts";
import { createRunLifecycleMachine, stateNameOf } from "../../src/domain/lifecycle/run-lifecycle-machine.ts";
import type { RunObservation } from "../../src/domain/lifecycle/run-observation.ts";
import { unusedSteps } from "./unused-steps.ts";
import { decodeRunObject, type RunKind, type RunObject } from "../../src/domain/run/run-object.ts";

type Signing = "unsigned" | "signed" | "failed" | "retrying";
type Completion = "running" | "succeeded" | "failed";

interface Shape {
  readonly kind: RunKind;
  readonly signing: Signing;
  readonly completion: Completion;
  readonly deleting: boolean;
  readonly finalizers: ReadonlyArray<string>;
}

const FINALIZER = { TaskRun: "chains.tekton.dev/taskrun", PipelineRun: "chains.tekton.dev/pipelinerun" } as const;

const runOf = (shape: Shape): RunObject => {
  const annotations: Record<string, string> = {};
  if (shape.signing === "signed") annotations["chains.tekton.dev/signed"] = "true";
  if (shape.signing === "failed") annotations["chains.tekton.dev/signed"] = "failed";
  if (shape.signing === "retrying") annotations["chains.tekton.dev/retries"] = "1";
  const status = shape.completion === "running" ? "Unknown" : shape.completion === "succeeded" ? "True" : "False";
  return Result.getOrThrow(
    decodeRunObject({
      apiVersion: "tekton.dev/v1",
      kind: shape.kind,
      metadata: {
        name: "build",
        namespace: "ci",
        uid: "uid-1",
        annotations,
        finalizers: [...shape.finalizers],
        ...(shape.deleting ? { deletionTimestamp: "2026-01-01T00:00:00Z" } : {}),
      },
      status: {
        conditions: [{ type: "Succeeded", status }],
        ...(shape.completion === "running" ? {} : { completionTime: "2026-01-01T00:00:05Z" }),
      },
    }),
  );
};

const base: Shape = { kind: "TaskRun", signing: "unsigned", completion: "succeeded", deleting: false, finalizers: [] };
const idle: CachedRunState = { chartUid: undefined, endedUid: undefined, lane: "live" };
const COMPLETED_AT = Date.parse("2026-01-01T00:00:05Z");

const machine = createRunLifecycleMachine(unusedSteps);
const timing = { retryDelayMs: 10, maxRetryDelayMs: 40, childWaitMs: 50 };

/** Where a new chart goes first for this observation, and the step it invokes there (pure `initialTransition`). */
const firstMove = (observation: RunObservation) => {
  const [snapshot, actions] = initialTransition(machine, {
    ref: { kind: "TaskRun", namespace: "ci", name: "build" },
    uid: observation.uid,
    observation,
    timing,
  });
  const spawned = actions.find((a) => a.type === "xstate.spawnChild")?.params as { src?: string } | undefined;
  return { state: stateNameOf(snapshot.value), step: spawned?.src, lane: snapshot.context.lane };
};

const startOf = (shape: Shape, state: CachedRunState = idle) => {
  const command = decideRunCommand(runOf(shape), state);
  if (command._tag !== "Start") throw new Error(`expected Start, got ${command._tag}`);
  return firstMove(command.observation);
};

describe("decideRunCommand, and where the chart it starts goes first", () => {
  it("adds the finalizer to a running run that lacks it, then waits for completion", () => {
    const running = { ...base, completion: "running" as const };
    expect(startOf(running)).toMatchObject({ state: "ensuringFinalizer", step: "addFinalizer" });
    expect(startOf({ ...running, finalizers: ["chains.tekton.dev/taskrun"] })).toMatchObject({ state: "running", step: undefined });
  });

  it("tells a run's chart how the run looks now, and stops the chart of a deleted run of the same name", () => {
    expect(decideRunCommand(runOf(base), { ...idle, chartUid: "uid-1" })).toMatchObject({ _tag: "Observe", observation: { done: true } });
    expect(decideRunCommand(runOf(base), { ...idle, chartUid: "uid-0" })).toMatchObject({ _tag: "Start" });
    expect(decideRunCommand(runOf({ ...base, signing: "signed" }), { ...idle, chartUid: "uid-0" })).toEqual({ _tag: "Stop" });
  });

  it("takes a sighting from before the last write of the run's ended chart as late, until the watch shows that write", () => {
    const ended = { ...idle, endedUid: "uid-1" };
    expect(decideRunCommand(runOf(base), ended)).toEqual({ _tag: "Late" });
    expect(decideRunCommand(runOf({ ...base, signing: "signed", finalizers: ["chains.tekton.dev/taskrun"] }), ended)).toEqual({ _tag: "Late" });
    expect(decideRunCommand(runOf({ ...base, signing: "signed" }), ended)).toEqual({ _tag: "Nothing" });
    // A run re-created under the same name is new work.
    expect(decideRunCommand(runOf(base), { ...idle, endedUid: "uid-0" })).toMatchObject({ _tag: "Start" });
  });

  it("queues a completed unsigned run in the lane it was seen in, with its completion time", () => {
    expect(startOf(base)).toEqual({ state: "queued", step: undefined, lane: "live" });
    expect(startOf({ ...base, completion: "failed" }, { ...idle, lane: "backlog" })).toEqual({ state: "queued", step: undefined, lane: "backlog" });
    expect(decideRunCommand(runOf(base), idle)).toMatchObject({ observation: { completedAt: COMPLETED_AT } });
  });

  it("on deletion gives a completed run a last pass in the live lane, and releases what has nothing to sign", () => {
    const deleting = { ...base, deleting: true, finalizers: ["chains.tekton.dev/taskrun"] };
    expect(startOf(deleting, { ...idle, lane: "backlog" })).toEqual({ state: "queued", step: undefined, lane: "live" });
    expect(startOf({ ...deleting, completion: "running" })).toMatchObject({ state: "releasing", step: "releaseFinalizer" });
    expect(startOf({ ...deleting, signing: "signed" }, { ...idle, lane: "backlog" })).toMatchObject({ state: "releasing", step: "releaseFinalizer" });
    expect(decideRunCommand(runOf({ ...deleting, signing: "signed", finalizers: ["other"] }), idle)).toEqual({ _tag: "Nothing" });
  });

  it("releases a finished run's finalizer on a live change only, not from the start-up backlog", () => {
    const signed = { ...base, signing: "signed" as const, finalizers: ["chains.tekton.dev/taskrun"] };
    expect(startOf(signed)).toMatchObject({ state: "releasing" });
    expect(startOf({ ...signed, signing: "failed" })).toMatchObject({ state: "releasing" });
    expect(decideRunCommand(runOf(signed), { ...idle, lane: "backlog" })).toEqual({ _tag: "Nothing" });
  });

  const shapes = fc.record<Shape>({
    kind: fc.constantFrom<RunKind>("TaskRun", "PipelineRun"),
    signing: fc.constantFrom<Signing>("unsigned", "signed", "failed", "retrying"),
    completion: fc.constantFrom<Completion>("running", "succeeded", "failed"),
    deleting: fc.boolean(),
    finalizers: fc.subarray(["chains.tekton.dev/taskrun", "chains.tekton.dev/pipelinerun", "other.example/keep"]),
  });
  const lanes = fc.constantFrom<Lane>("live", "backlog");

  // A new chart adds a finalizer only to an unfinished, unsigned run not being deleted that lacks it, releases only one it holds, and never queues a signed or failed run for a pass.
  it("adds finalizers only where signing is still to come, releases only held ones, and never signs a terminal run again", () => {
    fc.assert(
      fc.property(shapes, lanes, (shape, lane) => {
        const command = decideRunCommand(runOf(shape), { ...idle, lane });
        const terminal = shape.signing === "signed" || shape.signing === "failed";
        if (command._tag !== "Start") {
          // No chart: nothing to sign, and no finalizer of ours to release now.
          expect(terminal || (shape.deleting && shape.completion === "running")).toBe(true);
          return;
        }
        const own = FINALIZER[shape.kind];
        const { state, step } = firstMove(command.observation);
        if (step === "addFinalizer") {
          expect(shape.deleting || shape.completion !== "running" || terminal).toBe(false);
          expect(shape.finalizers).not.toContain(own);
        }
        if (step === "releaseFinalizer") expect(shape.finalizers).toContain(own);
        if (state === "queued") expect(terminal).toBe(false);
      }),
    );
  });
});
