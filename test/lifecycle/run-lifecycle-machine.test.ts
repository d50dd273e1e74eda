import { createActor, waitFor } from "xstate";
import { describe, expect, it } from "vitest";
import type { LifecycleSteps } from "../../src/domain/lifecycle/lifecycle-steps.ts";
import { recordFailedPass } from "../../src/domain/lifecycle/retry-budget.ts";
import { createRunLifecycleMachine, stateNameOf } from "../../src/domain/lifecycle/run-lifecycle-machine.ts";
import type { RunObservation } from "../../src/domain/lifecycle/run-observation.ts";
import type { PassPlan, SignedArtifact } from "../../src/domain/signing-pass/signing-artifacts.ts";

const plan: PassPlan = { artifacts: [], uploadToTransparencyLog: false, warnings: [], missingChildren: [] };
const identity = { ref: { kind: "TaskRun" as const, namespace: "ns", name: "r" }, uid: "u1" };
const timing = { retryDelayMs: 1, maxRetryDelayMs: 2, childWaitMs: 5 };
/** A completed, unsigned run seen live, as the watch reports it. */
const completed = (failedPasses = 0): RunObservation => ({
  uid: identity.uid,
  done: true,
  deleting: false,
  terminal: false,
  failedPasses,
  failedSecretsVersion: undefined,
  holdsFinalizer: true,
  completedAt: 0,
  lane: "live",
});

/** Steps that succeed, except for the scripted failures; every call is counted. */
const scriptedSteps = (failures: Partial<Record<keyof LifecycleSteps, number>>) => {
  const calls = { addFinalizer: 0, releaseFinalizer: 0, rearm: 0, snapshot: 0, sign: 0, store: 0, annotate: 0, recordFailure: 0 };
  const failing = (step: keyof LifecycleSteps) => (failures[step] ?? 0) >= ++calls[step];
  const signed: Record<string, SignedArtifact> = {};
  const steps: LifecycleSteps = {
    addFinalizer: async () => (failing("addFinalizer") ? { _tag: "Failed", reason: "boom" } : { _tag: "Done" }),
    releaseFinalizer: async () => (failing("releaseFinalizer") ? { _tag: "Failed", reason: "boom" } : { _tag: "Done" }),
    rearm: async () => (failing("rearm") ? { _tag: "Failed", reason: "boom" } : { _tag: "Done" }),
    snapshot: async () => (failing("snapshot") ? { _tag: "Failed", reason: "boom" } : { _tag: "Ready", plan }),
    sign: async () => (failing("sign") ? { _tag: "Failed", signed, reason: "boom" } : { _tag: "Done", signed }),
    store: async () => (failing("store") ? { stored: [], annotations: {}, failure: "boom" } : { stored: [], annotations: {} }),
    annotate: async () => (failing("annotate") ? { _tag: "Failed", reason: "boom" } : { _tag: "Done" }),
    recordFailure: async ({ failedPasses, giveUp }) => {
      calls.recordFailure++;
      return { _tag: "Recorded", exhausted: recordFailedPass(failedPasses, giveUp).exhausted };
    },
  };
  return { steps, calls };
};

/** Starts an actor that answers `queued` with RESUME as a controller's worker would; `states` lists the states it goes through. */
const started = (steps: LifecycleSteps, observation = completed()) => {
  const actor = createActor(createRunLifecycleMachine(steps), { input: { ...identity, observation, timing } });
  const states: Array<string> = [];
  actor.subscribe((snapshot) => {
    const state = stateNameOf(snapshot.value);
    if (states.at(-1) !== state) states.push(state);
    if (state === "queued") queueMicrotask(() => actor.send({ type: "RESUME" }));
  });
  actor.start();
  return { actor, states };
};

/** Runs an actor to its end and returns the states it went through. */
const drive = async (steps: LifecycleSteps, observation = completed()) => {
  const { actor, states } = started(steps, observation);
  const done = await waitFor(actor, (s) => s.status === "done", { timeout: 2_000 });
  return { states, final: stateNameOf(done.value) };
};

describe("run lifecycle statechart", () => {
  it("goes pending → snapshotted → signed → stored → annotated when every step succeeds", async () => {
    const { states } = await drive(scriptedSteps({}).steps);
    expect(states).toEqual(["queued", "pending", "snapshotted", "signed", "stored", "annotated"]);
  });

  it("resumes at the step that failed, without redoing the steps before it", async () => {
    const { steps, calls } = scriptedSteps({ store: 2 });
    const { final } = await drive(steps);
    expect(final).toBe("annotated");
    expect(calls).toMatchObject({ snapshot: 1, sign: 1, store: 3, recordFailure: 2 });
  });

  it("ends failed once the retry budget is spent", async () => {
    const { steps, calls } = scriptedSteps({ sign: 99 });
    const { final, states } = await drive(steps);
    expect(final).toBe("failed");
    expect(calls.recordFailure).toBe(5);
    expect(states).toContain("retrying");
  });

  it("gives a run being deleted a single attempt", async () => {
    const { steps, calls } = scriptedSteps({ snapshot: 99 });
    const actor = createActor(createRunLifecycleMachine(steps), { input: { ...identity, observation: completed(), timing } });
    actor.start();
    actor.send({ type: "OBSERVED", observation: { ...completed(), deleting: true } });
    actor.send({ type: "RESUME" });
    expect(stateNameOf((await waitFor(actor, (s) => s.status === "done", { timeout: 2_000 })).value)).toBe("failed");
    expect(calls.recordFailure).toBe(1);
  });

  it.each(["sign", "store"] as const)("ends failed after one recorded pass when %s fails permanently, passing the class on", async (step) => {
    const { steps } = scriptedSteps({});
    const permanent = {};
    const recorded: Array<Parameters<LifecycleSteps["recordFailure"]>[0]> = [];
    const failing: LifecycleSteps = {
      ...steps,
      sign: async (input) => (step === "sign" ? { _tag: "Failed", signed: {}, reason: "bad key", permanent } : steps.sign(input)),
      store: async (input) => (step === "store" ? { stored: [], annotations: {}, failure: "too big", permanent } : steps.store(input)),
      recordFailure: async (input) => {
        recorded.push(input);
        return steps.recordFailure(input);
      },
    };
    const { final, states } = await drive(failing);
    expect(final).toBe("failed");
    expect(states).not.toContain("retrying");
    expect(recorded.map((r) => [r.giveUp, r.permanent])).toEqual([[true, permanent]]);
  });

  it("treats a rejected step like a failed one", async () => {
    const { steps } = scriptedSteps({});
    let rejected = false;
    const flaky: LifecycleSteps = {
      ...steps,
      annotate: async (input) => {
        if (!rejected) {
          rejected = true;
          throw new Error("socket hang up");
        }
        return steps.annotate(input);
      },
    };
    const { states, final } = await drive(flaky);
    expect(final).toBe("annotated");
    expect(states).toEqual(["queued", "pending", "snapshotted", "signed", "stored", "recordingFailure", "retrying", "queued", "stored", "annotated"]);
  });

  it("stores after failed uploads, then fails the pass and retries from the sign step, which marks it signed once uploaded", async () => {
    const { steps } = scriptedSteps({});
    const seen: Array<{ step: string; annotations?: Readonly<Record<string, string>> }> = [];
    const entry = { uuid: "u", logIndex: 7, logId: "00", integratedTime: 1, body: "", kind: "dsse" as const, signedEntryTimestamp: "", url: "https://rekor.example/api/v1/log/entries?logIndex=7" };
    const artifact = { id: "taskrun:k", shortKey: "k" } as unknown as SignedArtifact;
    const uploading: LifecycleSteps = {
      ...steps,
      sign: async (input) => {
        seen.push({ step: "sign" });
        return seen.filter((s) => s.step === "sign").length === 1
          ? { _tag: "Done", signed: { [artifact.id]: artifact }, uploadFailure: "taskrun:k: transparency log upload failed: down" }
          : { _tag: "Done", signed: { [artifact.id]: { ...input.signed[artifact.id]!, transparencyEntry: entry } } };
      },
      store: async (input) => {
        seen.push({ step: "store" });
        return { stored: ["taskrun:k@tekton"], annotations: input.annotations };
      },
      recordFailure: async (input) => {
        seen.push({ step: "recordFailure", annotations: input.pendingAnnotations });
        return steps.recordFailure(input);
      },
      annotate: async (input) => {
        seen.push({ step: "annotate", annotations: input.annotations });
        return { _tag: "Done" };
      },
    };
    const { final } = await drive(uploading);
    expect(final).toBe("annotated");
    expect(seen.map((s) => s.step)).toEqual(["sign", "store", "recordFailure", "sign", "store", "annotate"]);
    expect(seen.find((s) => s.step === "recordFailure")!.annotations).toEqual({});
    expect(seen.at(-1)!.annotations).toEqual({ "chains.tekton.dev/transparency": entry.url, "chains.tekton.dev/transparency-k": entry.url });
  });

  it("adds the finalizer to a running run, waits for it to complete, then signs it: the whole life in one chart", async () => {
    const { steps, calls } = scriptedSteps({});
    const running: RunObservation = { ...completed(), done: false, holdsFinalizer: false };
    const { actor, states } = started(steps, running);
    await waitFor(actor, (s) => s.matches("running"), { timeout: 2_000 });
    actor.send({ type: "OBSERVED", observation: { ...running, holdsFinalizer: true } });
    expect(stateNameOf(actor.getSnapshot().value)).toBe("running");
    actor.send({ type: "OBSERVED", observation: { ...running, holdsFinalizer: true, done: true } });
    await waitFor(actor, (s) => s.status === "done", { timeout: 2_000 });
    expect(states).toEqual(["ensuringFinalizer", "running", "queued", "pending", "snapshotted", "signed", "stored", "annotated"]);
    expect(calls).toMatchObject({ addFinalizer: 1, releaseFinalizer: 0, annotate: 1 });
  });

  it("releases the finalizer of a run deleted before it completed, trying again after the retry delay until it succeeds", async () => {
    const { steps, calls } = scriptedSteps({ releaseFinalizer: 2 });
    const { states, final } = await drive(steps, { ...completed(), done: false, deleting: true });
    expect(final).toBe("released");
    expect(states).toEqual(["releasing", "releaseBackoff", "releasing", "releaseBackoff", "releasing", "released"]);
    expect(calls).toMatchObject({ releaseFinalizer: 3, snapshot: 0 });
  });

  it("waits for the Secret to change after failing on its key material, then clears the failure and signs the run again", async () => {
    const { steps, calls } = scriptedSteps({});
    let badKey = true;
    const keyed: LifecycleSteps = {
      ...steps,
      sign: async (input) => (badKey ? { _tag: "Failed", signed: {}, reason: "bad key", permanent: { secretsVersion: "7" } } : steps.sign(input)),
    };
    const { actor } = started(keyed);
    await waitFor(actor, (s) => s.matches("awaitingNewSecrets"), { timeout: 2_000 });
    actor.send({ type: "SECRETS_VERSION", version: "7" });
    expect(stateNameOf(actor.getSnapshot().value)).toBe("awaitingNewSecrets");
    badKey = false;
    actor.send({ type: "SECRETS_VERSION", version: "8" });
    expect(stateNameOf((await waitFor(actor, (s) => s.status === "done", { timeout: 2_000 })).value)).toBe("annotated");
    expect(calls).toMatchObject({ rearm: 1, recordFailure: 1, annotate: 1 });
  });
});
