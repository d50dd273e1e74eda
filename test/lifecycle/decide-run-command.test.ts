import { Result } from "effect";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decideRunCommand, type CachedRunState, type Lane } from "../../src/domain/lifecycle/decide-run-command.ts";
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
const idle: CachedRunState = { hasActor: false, finalizerRequested: false, lane: "live" };
const COMPLETED_AT = Date.parse("2026-01-01T00:00:05Z");

describe("decideRunCommand", () => {
  it("adds the finalizer to a running run once, and not again while the write is in flight", () => {
    const running = { ...base, completion: "running" as const };
    expect(decideRunCommand(runOf(running), idle)).toEqual({ _tag: "EnsureFinalizer", finalizer: "chains.tekton.dev/taskrun" });
    expect(decideRunCommand(runOf({ ...running, kind: "PipelineRun" }), idle)).toEqual({
      _tag: "EnsureFinalizer",
      finalizer: "chains.tekton.dev/pipelinerun",
    });
    expect(decideRunCommand(runOf(running), { ...idle, finalizerRequested: true })).toEqual({ _tag: "Nothing" });
    expect(decideRunCommand(runOf({ ...running, finalizers: ["chains.tekton.dev/taskrun"] }), idle)).toEqual({ _tag: "Nothing" });
  });

  it("queues a completed unsigned run in the lane it was seen in, unless an actor has it", () => {
    expect(decideRunCommand(runOf(base), idle)).toEqual({ _tag: "Queue", lane: "live", completedAt: COMPLETED_AT });
    expect(decideRunCommand(runOf({ ...base, completion: "failed" }), { ...idle, lane: "backlog" })).toEqual({
      _tag: "Queue",
      lane: "backlog",
      completedAt: COMPLETED_AT,
    });
    expect(decideRunCommand(runOf(base), { ...idle, hasActor: true })).toEqual({ _tag: "Nothing" });
  });

  it("on deletion tells the actor, or queues a last pass, or releases what has nothing to sign", () => {
    const deleting = { ...base, deleting: true, finalizers: ["chains.tekton.dev/taskrun"] };
    expect(decideRunCommand(runOf(deleting), { ...idle, hasActor: true })).toEqual({ _tag: "SendDeleting" });
    expect(decideRunCommand(runOf(deleting), { ...idle, lane: "backlog" })).toEqual({ _tag: "Queue", lane: "live", completedAt: COMPLETED_AT });
    expect(decideRunCommand(runOf({ ...deleting, completion: "running" }), idle)).toEqual({ _tag: "Release", finalizer: "chains.tekton.dev/taskrun" });
    expect(decideRunCommand(runOf({ ...deleting, signing: "signed" }), { ...idle, lane: "backlog" })).toEqual({
      _tag: "Release",
      finalizer: "chains.tekton.dev/taskrun",
    });
    expect(decideRunCommand(runOf({ ...deleting, signing: "signed", finalizers: ["other"] }), idle)).toEqual({ _tag: "Nothing" });
  });

  it("releases a finished run's finalizer on a live change only, not from the start-up backlog", () => {
    const signed = { ...base, signing: "signed" as const, finalizers: ["chains.tekton.dev/taskrun"] };
    expect(decideRunCommand(runOf(signed), idle)).toEqual({ _tag: "Release", finalizer: "chains.tekton.dev/taskrun" });
    expect(decideRunCommand(runOf({ ...signed, signing: "failed" }), idle)).toEqual({ _tag: "Release", finalizer: "chains.tekton.dev/taskrun" });
    expect(decideRunCommand(runOf(signed), { ...idle, lane: "backlog" })).toEqual({ _tag: "Nothing" });
  });

  const shapes = fc.record<Shape>({
    kind: fc.constantFrom<RunKind>("TaskRun", "PipelineRun"),
    signing: fc.constantFrom<Signing>("unsigned", "signed", "failed", "retrying"),
    completion: fc.constantFrom<Completion>("running", "succeeded", "failed"),
    deleting: fc.boolean(),
    finalizers: fc.subarray(["chains.tekton.dev/taskrun", "chains.tekton.dev/pipelinerun", "other.example/keep"]),
  });
  const cached = fc.record<CachedRunState>({
    hasActor: fc.boolean(),
    finalizerRequested: fc.boolean(),
    lane: fc.constantFrom<Lane>("live", "backlog"),
  });

  // A finalizer is only ever added to a live, unfinished, unsigned run that lacks it, and only ours is ever removed.
  it("adds finalizers only where signing is still to come and removes only the run kind's own", () => {
    fc.assert(
      fc.property(shapes, cached, (shape, state) => {
        const command = decideRunCommand(runOf(shape), state);
        const own = FINALIZER[shape.kind];
        if (command._tag === "EnsureFinalizer") {
          expect(command.finalizer).toBe(own);
          expect(shape.deleting || shape.completion !== "running" || shape.signing === "signed" || shape.signing === "failed").toBe(false);
          expect(shape.finalizers.includes(own) || state.finalizerRequested).toBe(false);
        }
        if (command._tag === "Release") {
          expect(command.finalizer).toBe(own);
          expect(shape.finalizers).toContain(own);
        }
        // A run already signed or failed never gets another pass.
        if (command._tag === "Queue") expect(shape.signing === "signed" || shape.signing === "failed").toBe(false);
      }),
    );
  });
});
