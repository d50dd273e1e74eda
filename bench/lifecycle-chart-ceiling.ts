/**
 * The most the in-memory pipeline ratio can reach while every run's life is decided by its own
 * statechart actor (the architecture the project fixes): the real lifecycle chart, driven through
 * a watched TaskRun's life as the controller drives it, with steps that do nothing but the pass's
 * two signatures: the 8 KiB provenance and an image's small simple-signing payload. Building the
 * provenance, the DSSE envelope, the cluster, Effect and the watch cost nothing here, so no
 * pipeline on this design can do better. Beside it, the floor of xstate itself: a bare machine with the same
 * invoked steps and events and nothing else (no context, guards or actions). Measured like the
 * pipeline: rounds alternating with raw signing of the same payload in one process, so a machine
 * whose speed drifts slows every side alike.
 */
import { generateKeyPairSync, sign } from "node:crypto";
import { type AnyStateMachine, createActor, fromPromise, setup } from "xstate";
import type { LifecycleSteps, WriteOutcome } from "../src/domain/lifecycle/lifecycle-steps.ts";
import { createRunLifecycleMachine, type LifecycleTiming } from "../src/domain/lifecycle/run-lifecycle-machine.ts";
import type { RunObservation } from "../src/domain/lifecycle/run-observation.ts";
import { rawSigning } from "./pipeline-vs-raw-sign.ts";

const PAYLOAD_BYTES = 8 * 1024;
/** About the size of an image's simple-signing payload. */
const IMAGE_PAYLOAD_BYTES = 250;
const SIGNATURES_PER_RUN = 2;

export interface LifecycleChartCeiling {
  readonly rounds: number;
  readonly runsPerRound: number;
  /** Wall time per run of the lifecycle chart with its two signatures, in microseconds. */
  readonly microsecondsPerRun: number;
  /** The same for the bare machine. */
  readonly bareMicrosecondsPerRun: number;
  readonly rawMicrosecondsPerSign: number;
  /** The lifecycle chart's signatures/s ÷ raw signs/s. */
  readonly ratio: number;
}

const done: WriteOutcome = { _tag: "Done" };

/** Steps that succeed at once; the sign step makes the pass's signatures and nothing else. */
const signingOnlySteps = (signPass: () => void): LifecycleSteps => ({
  addFinalizer: async () => done,
  releaseFinalizer: async () => done,
  rearm: async () => done,
  snapshot: async () => ({ _tag: "Ready", plan: { artifacts: [], uploadToTransparencyLog: false, warnings: [], missingChildren: [] } }),
  sign: async () => {
    signPass();
    return { _tag: "Done", signed: {} };
  },
  store: async ({ stored, annotations }) => ({ stored, annotations }),
  annotate: async () => done,
  recordFailure: async () => ({ _tag: "Recorded", exhausted: false }),
});

const observation = (changes: Partial<RunObservation>): RunObservation => ({
  uid: "ceiling",
  done: false,
  deleting: false,
  terminal: false,
  failedPasses: 0,
  failedSecretsVersion: undefined,
  holdsFinalizer: false,
  completedAt: 0,
  lane: "live",
  ...changes,
});

/**
 * A bare xstate machine through the same life: one invoked step (the finalizer), two observations
 * and a worker, then the pass's four invoked steps, the sign step making the two signatures.
 */
const bareMachine = (signPass: () => void) => {
  const step = fromPromise(async () => undefined);
  const signStep = fromPromise(async () => signPass());
  return setup({ actors: { step, signStep } }).createMachine({
    initial: "ensuringFinalizer",
    states: {
      ensuringFinalizer: { invoke: { src: "step", onDone: "running" } },
      running: { on: { OBSERVED: "finalizerSeen" } },
      finalizerSeen: { on: { OBSERVED: "queued" } },
      queued: { on: { RESUME: "pending" } },
      pending: { invoke: { src: "step", onDone: "snapshotted" } },
      snapshotted: { invoke: { src: "signStep", onDone: "signed" } },
      signed: { invoke: { src: "step", onDone: "stored" } },
      stored: { invoke: { src: "step", onDone: "annotated" } },
      annotated: { type: "final" },
    },
  });
};

const timing: LifecycleTiming = { retryDelayMs: 2_000, maxRetryDelayMs: 300_000, childWaitMs: 600_000 };

export const measureLifecycleChartCeiling = async (rounds: number, runsPerRound: number): Promise<LifecycleChartCeiling> => {
  const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const payload = Buffer.from(JSON.stringify({ predicate: "x".repeat(PAYLOAD_BYTES - 17) }));
  const imagePayload = Buffer.from(JSON.stringify({ critical: "x".repeat(IMAGE_PAYLOAD_BYTES - 16) }));
  const signPass = (): void => {
    sign("sha256", payload, privateKey);
    sign("sha256", imagePayload, privateKey);
  };
  const lifecycle = createRunLifecycleMachine(signingOnlySteps(signPass));
  const bare = bareMachine(signPass);
  const ref = { kind: "TaskRun", namespace: "bench", name: "ceiling" } as const;
  const input = { ref, uid: "ceiling", observation: observation({}), timing };

  /** A watched TaskRun: seen running, our finalizer written and seen, seen completed, given a worker, signed. */
  const oneRun = async (machine: AnyStateMachine): Promise<void> => {
    const actor = createActor(machine, { input });
    const settled = new Promise<void>((resolve) => actor.subscribe((snapshot) => snapshot.status === "done" && resolve()));
    actor.start();
    // The watch delivers the finalizer write on a later turn, as the cluster does.
    await new Promise((resolve) => setImmediate(resolve));
    actor.send({ type: "OBSERVED", observation: observation({ holdsFinalizer: true }) });
    actor.send({ type: "OBSERVED", observation: observation({ holdsFinalizer: true, done: true, completedAt: 1 }) });
    actor.send({ type: "RESUME" });
    await settled;
    if (!actor.getSnapshot().matches("annotated")) throw new Error(`the chart ended ${JSON.stringify(actor.getSnapshot().value)}`);
  };
  const timeRuns = async (machine: AnyStateMachine): Promise<number> => {
    const started = performance.now();
    for (let i = 0; i < runsPerRound; i++) await oneRun(machine);
    return (performance.now() - started) / 1000;
  };

  let chartSeconds = 0;
  let bareSeconds = 0;
  let rawSeconds = 0;
  let rawSigns = 0;
  // Round 0 warms up every side (JIT) and is not counted.
  for (let round = 0; round <= rounds; round++) {
    const chart = await timeRuns(lifecycle);
    const plain = await timeRuns(bare);
    const [signs, seconds] = rawSigning(((chart + plain) / 2) * 1000, () => void sign("sha256", payload, privateKey));
    if (round === 0) continue;
    chartSeconds += chart;
    bareSeconds += plain;
    rawSeconds += seconds;
    rawSigns += signs;
  }
  const runs = rounds * runsPerRound;
  const rawSignsPerSecond = rawSigns / rawSeconds;
  return {
    rounds,
    runsPerRound,
    microsecondsPerRun: (chartSeconds / runs) * 1e6,
    bareMicrosecondsPerRun: (bareSeconds / runs) * 1e6,
    rawMicrosecondsPerSign: 1e6 / rawSignsPerSecond,
    ratio: (runs * SIGNATURES_PER_RUN) / chartSeconds / rawSignsPerSecond,
  };
};
