import { assign, fromPromise, setup, type SnapshotFrom, type StateValue } from "xstate";
import type { PassPlan, SignedArtifact } from "../signing-pass/signing-artifacts.ts";
import { transparencyAnnotations } from "../transparency/transparency-annotations.ts";
import { signAgainUnder } from "./key-material-failure.ts";
import type {
  FailureRecordOutcome,
  LifecycleSteps,
  PermanentFailure,
  RunIdentity,
  SignOutcome,
  SnapshotOutcome,
  StoreOutcome,
  WriteOutcome,
} from "./lifecycle-steps.ts";
import { type Lane, nothingToSign, releaseOwed, type RunObservation } from "./run-observation.ts";

export interface LifecycleInput extends RunIdentity {
  /** The run as first seen. */
  readonly observation: RunObservation;
  readonly timing: LifecycleTiming;
}

export interface LifecycleTiming {
  /** First retry delay; it doubles with each failed pass, up to `maxRetryDelayMs`. A failed release waits this long. */
  readonly retryDelayMs: number;
  readonly maxRetryDelayMs: number;
  /** How long a PipelineRun waits for missing or unsigned children before signing without them. */
  readonly childWaitMs: number;
}

export interface LifecycleContext extends RunIdentity {
  readonly timing: LifecycleTiming;
  /** The run as last seen by the watch. */
  readonly observation: RunObservation;
  /** Failed passes so far: from the run's `retries` annotation, then counted here. */
  readonly failedPasses: number;
  /** The lane the run waits for a worker in: `live` once a pass has started. */
  readonly lane: Lane;
  /** Our finalizer write succeeded (the watch may not show it yet). */
  readonly finalizerEnsured: boolean;
  readonly plan: PassPlan | undefined;
  readonly signed: Readonly<Record<string, SignedArtifact>>;
  readonly stored: ReadonlyArray<string>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly proceedWithoutMissingChildren: boolean;
  readonly lastError: string | undefined;
  /** Transparency log uploads that failed in this pass: the pass stores, then fails and retries them. */
  readonly uploadFailure: string | undefined;
  /** How the failure being recorded is classified; undefined for a transient one. */
  readonly permanent: PermanentFailure | undefined;
  /** The `signing-secrets` version whose key material the run failed on, while it waits for another. */
  readonly failedSecretsVersion: string | undefined;
}

export type LifecycleEvent =
  /** The watch saw the run (again). */
  | { readonly type: "OBSERVED"; readonly observation: RunObservation }
  /** A worker slot is free: continue from `queued`. */
  | { readonly type: "RESUME" }
  /** A child TaskRun of a waiting PipelineRun changed. */
  | { readonly type: "CHILDREN_CHANGED" }
  /** The `signing-secrets` version now in the cluster, for a run that failed on an earlier one's key material. */
  | { readonly type: "SECRETS_VERSION"; readonly version: string };

/** Which step of `LifecycleSteps` each named actor of the chart runs. */
export const STEP_OF_ACTOR = {
  addFinalizer: "addFinalizer",
  releaseFinalizer: "releaseFinalizer",
  clearKeyMaterialFailure: "rearm",
  takeSnapshot: "snapshot",
  signArtifacts: "sign",
  storeArtifacts: "store",
  writeSignedAnnotations: "annotate",
  recordFailedPass: "recordFailure",
} as const satisfies Record<string, keyof LifecycleSteps>;

export type LifecycleActorName = keyof typeof STEP_OF_ACTOR;

/** States in which the actor holds no worker slot and runs no step: it waits for the run, time, children or a slot. */
export const PARKED_STATES = ["running", "retrying", "awaitingChildren", "queued", "releaseBackoff", "awaitingNewSecrets"] as const;
/** States that hold a worker slot: a signing pass and its failure bookkeeping. */
export const WORKER_STATES = ["pending", "snapshotted", "signed", "stored", "recordingFailure"] as const;
export const FINAL_STATES = ["annotated", "failed", "released", "abandoned"] as const;
/**
 * States whose write may be the chart's last (signed, failed for good, finalizer released): a
 * sighting of the run as such a write leaves it, while the chart is in one of them, is that write.
 */
export const LAST_WRITE_STATES = ["stored", "recordingFailure", "releasing"] as const;

/** The innermost state's name (`pending`, not `{ signing: "pending" }`): the name a run's state is reported by. */
export const stateNameOf = (value: StateValue): string =>
  typeof value === "string" ? value : stateNameOf(Object.values(value)[0] ?? "");

const describeRejection = (error: unknown): string =>
  `internal error: ${error instanceof Error ? error.message : String(error)}`;

/** The annotations so far plus the transparency entries of the signed artifacts. */
const withEntries = (
  annotations: Readonly<Record<string, string>>,
  signed: Readonly<Record<string, SignedArtifact>>,
): Readonly<Record<string, string>> => ({ ...annotations, ...transparencyAnnotations(Object.values(signed)) });

/** What a failed step leaves for `recordingFailure`: why, and whether it is permanent. */
interface StepFailure {
  readonly reason: string;
  readonly permanent?: PermanentFailure | undefined;
}

/** What the store step hands on: what is stored so far, with the annotations to write. */
interface StoreProgress {
  readonly stored: ReadonlyArray<string>;
  readonly annotations: Readonly<Record<string, string>>;
}

/** A transition taken when the finished step's outcome has this `_tag`. */
const outcomeIs = <Tag extends string>(expected: Tag) => ({
  type: "outcomeIs" as const,
  params: ({ event }: { event: { output: { readonly _tag: string } } }) => ({ tag: event.output._tag, expected }),
});

/** The failure of a step whose promise rejected (a defect in a step, not a reported failure). */
const rejected = {
  type: "failStep" as const,
  params: ({ event }: { event: { error: unknown } }): StepFailure => ({ reason: describeRejection(event.error) }),
};

/** The reason a write outcome carries, for the failure or the end it leads to. */
const reasonOf = {
  type: "noteReason" as const,
  params: ({ event }: { event: { output: WriteOutcome } }) => ({ reason: event.output._tag === "Done" ? undefined : event.output.reason }),
};

/** The run as last seen, counting our own finalizer write the watch may not have shown yet. */
const seen = (context: LifecycleContext): RunObservation => ({
  ...context.observation,
  holdsFinalizer: context.observation.holdsFinalizer || context.finalizerEnsured,
});

const PASS = "#run-lifecycle.signing";

/**
 * The whole life of one run, from the first time the watch sees it to the last write it needs; the
 * one place where a run's life is decided (the controller only routes watch events here and hands
 * out worker slots).
 *
 * `observed` sorts the run as last seen: a running run gets our finalizer (`ensuringFinalizer`,
 * the first of at most two writes) and waits in `running`; a completed, unsigned run waits for a
 * worker in `queued`, then gets a signing pass `signing`: `pending → snapshotted → signed → stored`,
 * then `annotated` (the single write that marks it signed and removes the finalizer). Any failed
 * step goes through `recordingFailure` (retry bookkeeping on the run), waits in `retrying` and
 * resumes, through the pass's history state, at the step that failed; it ends `failed` when the
 * budget is spent, at once on a permanent failure or when the run is being deleted. A run with
 * nothing to sign whose finalizer is still on (deleted before it finished, or finished by someone
 * else) is `releasing` it, retried after `releaseBackoff` until it is `released`: a deletion never
 * waits for good. A run failed on the key material of one `signing-secrets` version waits in
 * `awaitingNewSecrets`; another version re-arms it (`rearming`) for a fresh pass. Durable state lives only in the run's annotations, so a fresh actor for the same
 * run (after a restart) picks up correctly. Actors (the steps), guards and actions are named in
 * `setup()`, so the chart below reads as the run's life and nothing else.
 */
export const createRunLifecycleMachine = (steps: LifecycleSteps) =>
  setup({
    types: {
      context: {} as LifecycleContext,
      events: {} as LifecycleEvent,
      input: {} as LifecycleInput,
    },
    actors: {
      addFinalizer: fromPromise<WriteOutcome, RunIdentity>(({ input }) => steps.addFinalizer(input)),
      releaseFinalizer: fromPromise<WriteOutcome, RunIdentity>(({ input }) => steps.releaseFinalizer(input)),
      clearKeyMaterialFailure: fromPromise<WriteOutcome, Parameters<LifecycleSteps["rearm"]>[0]>(({ input }) => steps.rearm(input)),
      takeSnapshot: fromPromise<SnapshotOutcome, Parameters<LifecycleSteps["snapshot"]>[0]>(({ input }) =>
        steps.snapshot(input),
      ),
      signArtifacts: fromPromise<SignOutcome, Parameters<LifecycleSteps["sign"]>[0]>(({ input }) => steps.sign(input)),
      storeArtifacts: fromPromise<StoreOutcome, Parameters<LifecycleSteps["store"]>[0]>(({ input }) =>
        steps.store(input),
      ),
      writeSignedAnnotations: fromPromise<WriteOutcome, Parameters<LifecycleSteps["annotate"]>[0]>(({ input }) =>
        steps.annotate(input),
      ),
      recordFailedPass: fromPromise<FailureRecordOutcome, Parameters<LifecycleSteps["recordFailure"]>[0]>(
        ({ input }) => steps.recordFailure(input),
      ),
    },
    guards: {
      outcomeIs: (_, params: { readonly tag: string; readonly expected: string }) => params.tag === params.expected,
      /** Our finalizer must come off the run and no pass will take it off (`run-observation.ts`). */
      releaseOwed: ({ context }) => releaseOwed(seen(context)),
      nothingToSign: ({ context }) => nothingToSign(context.observation),
      completed: ({ context }) => context.observation.done,
      /** Not finished and not deleted: the run still waits for completion. */
      stillRunning: ({ context }) => !context.observation.done && !nothingToSign(context.observation),
      finalizerHeld: ({ context }) => seen(context).holdsFinalizer,
      /** The run is now being deleted: its pass is the last attempt, and it waits for no child. */
      deletionSeen: ({ event }) => event.type === "OBSERVED" && event.observation.deleting,
      /** Someone else took our finalizer off: nothing is left to release. */
      finalizerGone: ({ event }) => event.type === "OBSERVED" && !event.observation.holdsFinalizer,
      /** Every write succeeded and every transparency upload of the pass too: `signed: true` may be written. */
      everythingStored: ({ context }, params: { readonly failure: string | undefined }) =>
        params.failure === undefined && context.uploadFailure === undefined,
      /** Failed uploads are retried from the sign step, which redoes only the uploads; else the pass resumes where it failed. */
      uploadsToRedo: ({ context }) => context.uploadFailure !== undefined,
      /** A pass has its plan: it resumes where it stopped; else (first pass, or signing again after a re-arm) it starts afresh. */
      passUnderWay: ({ context }) => context.plan !== undefined,
      failureRecordedAndExhausted: (_, params: { readonly outcome: FailureRecordOutcome }) =>
        params.outcome._tag === "Recorded" && params.outcome.exhausted,
      /** Marked failed on the key material of a `signing-secrets` version (not while being deleted): worth a pass once it changes. */
      failedOnKeyMaterial: ({ context }) => context.observation.failedSecretsVersion !== undefined,
      /** This pass was just marked failed on key material: the run waits for the Secret to change. */
      failedOnKeyMaterialNow: ({ context }, params: { readonly outcome: FailureRecordOutcome }) =>
        params.outcome._tag === "Recorded" &&
        params.outcome.exhausted &&
        context.permanent?.secretsVersion !== undefined &&
        !context.observation.deleting,
      secretsChanged: ({ context, event }) =>
        event.type === "SECRETS_VERSION" && context.failedSecretsVersion !== undefined && signAgainUnder(context.failedSecretsVersion, event.version),
      /** Signed, or being deleted, since: no longer waiting for the Secret to change. */
      leftKeyMaterialFailure: ({ event }) =>
        event.type === "OBSERVED" && event.observation.failedSecretsVersion === undefined && event.observation.terminal,
    },
    actions: {
      keepObservation: assign(({ context }, params: { readonly observation: RunObservation }) => ({
        observation: params.observation,
        // A live sighting moves a run still waiting in the backlog to the live lane.
        lane: params.observation.lane === "live" ? ("live" as const) : context.lane,
      })),
      /** The pass starts from the run as seen: its recorded failed passes, and the live lane if it is being deleted. */
      queueFromObservation: assign(({ context }) => ({
        failedPasses: context.observation.failedPasses,
        lane: context.observation.deleting ? ("live" as const) : context.lane,
      })),
      noteFinalizerEnsured: assign({ finalizerEnsured: true }),
      /** Retries and resumed passes are live work. */
      takeWorker: assign({ lane: "live" as const }),
      noteReason: assign((_, params: { readonly reason: string | undefined }) => ({ lastError: params.reason })),
      keepPlan: assign((_, params: { readonly plan: PassPlan | undefined }) => ({ plan: params.plan })),
      keepSignatures: assign(({ context }, params: { readonly signed: Readonly<Record<string, SignedArtifact>> }) => ({
        signed: params.signed,
        annotations: withEntries(context.annotations, params.signed),
      })),
      /** The uploads of this pass that failed: storage proceeds, then the pass fails and retries them. */
      noteUploadFailure: assign((_, params: { readonly uploadFailure: string | undefined }) => ({ uploadFailure: params.uploadFailure })),
      keepStored: assign((_, params: StoreProgress) => ({ stored: params.stored, annotations: params.annotations })),
      failStep: assign((_, params: StepFailure) => ({ lastError: params.reason, permanent: params.permanent })),
      countFailedPass: assign({ failedPasses: ({ context }) => context.failedPasses + 1 }),
      stopWaitingForChildren: assign({ proceedWithoutMissingChildren: true }),
      /** Waits for the Secret to change holding only the failed version: the pass's artifacts are let go. */
      waitForNewSecrets: assign(({ context }) => ({
        failedSecretsVersion: context.permanent?.secretsVersion ?? context.observation.failedSecretsVersion,
        plan: undefined,
        signed: {},
        stored: [],
        annotations: {},
      })),
      /** What the re-arm wrote: the run is unsigned again, with a fresh retry budget. */
      noteRearmed: assign(({ context }) => ({
        observation: { ...context.observation, terminal: false, failedPasses: 0, failedSecretsVersion: undefined },
        failedSecretsVersion: undefined,
        permanent: undefined,
        uploadFailure: undefined,
        proceedWithoutMissingChildren: false,
      })),
    },
    delays: {
      retryDelay: ({ context }) =>
        Math.min(context.timing.retryDelayMs * 2 ** Math.max(0, context.failedPasses - 1), context.timing.maxRetryDelayMs),
      releaseRetryDelay: ({ context }) => context.timing.retryDelayMs,
      childWait: ({ context }) => context.timing.childWaitMs,
    },
  }).createMachine({
    id: "run-lifecycle",
    context: ({ input }) => ({
      ref: input.ref,
      uid: input.uid,
      timing: input.timing,
      observation: input.observation,
      failedPasses: input.observation.failedPasses,
      lane: input.observation.lane,
      finalizerEnsured: false,
      plan: undefined,
      signed: {},
      stored: [],
      annotations: {},
      proceedWithoutMissingChildren: false,
      lastError: undefined,
      uploadFailure: undefined,
      permanent: undefined,
      failedSecretsVersion: undefined,
    }),
    initial: "observed",
    on: {
      // Whatever the chart is doing, it keeps the run as last seen; the states that wait on the run react to it.
      OBSERVED: { actions: { type: "keepObservation", params: ({ event }) => ({ observation: event.observation }) } },
    },
    states: {
      observed: {
        always: [
          { guard: "releaseOwed", target: "releasing" },
          { guard: "failedOnKeyMaterial", target: "awaitingNewSecrets", actions: "waitForNewSecrets" },
          {
            guard: "nothingToSign",
            target: "abandoned",
            actions: { type: "noteReason", params: { reason: "nothing to sign: the run is signed, failed, or deleted unfinished" } },
          },
          { guard: "completed", target: "queued", actions: "queueFromObservation" },
          { guard: "finalizerHeld", target: "running" },
          { target: "ensuringFinalizer" },
        ],
      },
      ensuringFinalizer: {
        invoke: {
          src: "addFinalizer",
          input: ({ context }) => ({ ref: context.ref, uid: context.uid }),
          onDone: [
            { guard: outcomeIs("Done"), target: "observed", actions: "noteFinalizerEnsured" },
            { guard: outcomeIs("Gone"), target: "abandoned", actions: reasonOf },
            // Tried again on the run's next event, as the watch brings it; a run that moved on meanwhile is sorted again.
            { guard: "stillRunning", target: "running", actions: reasonOf },
            { target: "observed", actions: reasonOf },
          ],
          onError: [
            { guard: "stillRunning", target: "running", actions: rejected },
            { target: "observed", actions: rejected },
          ],
        },
      },
      running: {
        on: {
          OBSERVED: {
            target: "observed",
            actions: { type: "keepObservation", params: ({ event }) => ({ observation: event.observation }) },
          },
        },
      },
      queued: {
        on: {
          RESUME: [
            { guard: "uploadsToRedo", target: `${PASS}.snapshotted`, actions: "takeWorker" },
            { guard: "passUnderWay", target: `${PASS}.resume`, actions: "takeWorker" },
            { target: PASS, actions: "takeWorker" },
          ],
        },
      },
      signing: {
        initial: "pending",
        states: {
          /** Where a pass resumes after a failure, a retry delay or a child wait: the step that was due. */
          resume: { type: "history", history: "shallow" },
          pending: {
            invoke: {
              src: "takeSnapshot",
              input: ({ context }) => ({
                ref: context.ref,
                uid: context.uid,
                proceedWithoutMissingChildren: context.proceedWithoutMissingChildren || context.observation.deleting,
              }),
              onDone: [
                {
                  guard: outcomeIs("Ready"),
                  target: "snapshotted",
                  actions: {
                    type: "keepPlan",
                    params: ({ event }) => ({ plan: event.output._tag === "Ready" ? event.output.plan : undefined }),
                  },
                },
                { guard: outcomeIs("WaitingForChildren"), target: "#run-lifecycle.awaitingChildren" },
                {
                  guard: outcomeIs("NothingToDo"),
                  target: "#run-lifecycle.passEnded",
                  actions: {
                    type: "noteReason",
                    params: ({ event }) => ({ reason: event.output._tag === "NothingToDo" ? event.output.reason : undefined }),
                  },
                },
                {
                  target: "#run-lifecycle.recordingFailure",
                  actions: {
                    type: "failStep",
                    params: ({ event }) => ({ reason: event.output._tag === "Failed" ? event.output.reason : "" }),
                  },
                },
              ],
              onError: { target: "#run-lifecycle.recordingFailure", actions: rejected },
            },
          },
          snapshotted: {
            invoke: {
              src: "signArtifacts",
              input: ({ context }) => ({
                ref: context.ref,
                uid: context.uid,
                plan: context.plan!,
                signed: context.signed,
              }),
              onDone: [
                {
                  guard: outcomeIs("Done"),
                  target: "signed",
                  actions: [
                    { type: "keepSignatures", params: ({ event }) => ({ signed: event.output.signed }) },
                    {
                      type: "noteUploadFailure",
                      params: ({ event }) => ({ uploadFailure: event.output._tag === "Done" ? event.output.uploadFailure : undefined }),
                    },
                  ],
                },
                {
                  target: "#run-lifecycle.recordingFailure",
                  actions: [
                    { type: "keepSignatures", params: ({ event }) => ({ signed: event.output.signed }) },
                    {
                      type: "failStep",
                      params: ({ event }) => ({
                        reason: event.output._tag === "Failed" ? event.output.reason : "",
                        permanent: event.output._tag === "Failed" ? event.output.permanent : undefined,
                      }),
                    },
                  ],
                },
              ],
              onError: { target: "#run-lifecycle.recordingFailure", actions: rejected },
            },
          },
          signed: {
            invoke: {
              src: "storeArtifacts",
              input: ({ context }) => ({
                ref: context.ref,
                uid: context.uid,
                plan: context.plan!,
                signed: context.signed,
                stored: context.stored,
                annotations: context.annotations,
              }),
              onDone: [
                {
                  guard: { type: "everythingStored", params: ({ event }) => ({ failure: event.output.failure }) },
                  target: "stored",
                  actions: { type: "keepStored", params: ({ event }) => event.output },
                },
                {
                  target: "#run-lifecycle.recordingFailure",
                  actions: [
                    { type: "keepStored", params: ({ event }) => event.output },
                    {
                      type: "failStep",
                      params: ({ context, event }) => ({
                        reason: [event.output.failure, context.uploadFailure].filter((e) => e !== undefined).join("; "),
                        permanent: event.output.permanent,
                      }),
                    },
                  ],
                },
              ],
              onError: { target: "#run-lifecycle.recordingFailure", actions: rejected },
            },
          },
          stored: {
            invoke: {
              src: "writeSignedAnnotations",
              input: ({ context }) => ({ ref: context.ref, uid: context.uid, annotations: context.annotations }),
              onDone: [
                { guard: outcomeIs("Done"), target: "#run-lifecycle.annotated" },
                { guard: outcomeIs("Gone"), target: "#run-lifecycle.abandoned", actions: reasonOf },
                {
                  target: "#run-lifecycle.recordingFailure",
                  actions: {
                    type: "failStep",
                    params: ({ event }) => ({ reason: event.output._tag === "Failed" ? event.output.reason : "" }),
                  },
                },
              ],
              onError: { target: "#run-lifecycle.recordingFailure", actions: rejected },
            },
          },
        },
      },
      recordingFailure: {
        invoke: {
          src: "recordFailedPass",
          input: ({ context }) => ({
            ref: context.ref,
            uid: context.uid,
            failedPasses: context.failedPasses,
            giveUp: context.observation.deleting || context.permanent !== undefined,
            reason: context.lastError ?? "unknown failure",
            permanent: context.permanent,
            pendingAnnotations: context.annotations,
          }),
          onDone: [
            {
              guard: { type: "failedOnKeyMaterialNow", params: ({ event }) => ({ outcome: event.output }) },
              target: "awaitingNewSecrets",
              actions: "waitForNewSecrets",
            },
            {
              guard: { type: "failureRecordedAndExhausted", params: ({ event }) => ({ outcome: event.output }) },
              target: "failed",
            },
            { guard: outcomeIs("Recorded"), target: "retrying", actions: "countFailedPass" },
            { target: "abandoned" },
          ],
          // The counter could not be written (cluster trouble): wait and try the step again.
          onError: { target: "retrying" },
        },
      },
      retrying: {
        after: { retryDelay: { target: "queued" } },
      },
      awaitingChildren: {
        on: {
          CHILDREN_CHANGED: { target: "queued" },
          OBSERVED: {
            guard: "deletionSeen",
            target: "queued",
            actions: { type: "keepObservation", params: ({ event }) => ({ observation: event.observation }) },
          },
        },
        after: { childWait: { target: "queued", actions: "stopWaitingForChildren" } },
      },
      /** The pass found nothing to sign (signed by someone else, gone, re-created): only a finalizer may be owed. */
      passEnded: {
        always: [{ guard: "releaseOwed", target: "releasing" }, { target: "abandoned" }],
      },
      releasing: {
        invoke: {
          src: "releaseFinalizer",
          input: ({ context }) => ({ ref: context.ref, uid: context.uid }),
          onDone: [
            { guard: outcomeIs("Done"), target: "released" },
            { guard: outcomeIs("Gone"), target: "abandoned", actions: reasonOf },
            // A run being deleted may get no further event: the release is tried again on a timer (reference defect #8).
            { target: "releaseBackoff", actions: reasonOf },
          ],
          onError: { target: "releaseBackoff", actions: rejected },
        },
      },
      /**
       * Failed on the key material of one `signing-secrets` version (signing.md §1): the controller
       * tells the chart the version in force at each config refresh; another version re-arms the run.
       */
      awaitingNewSecrets: {
        on: {
          SECRETS_VERSION: { guard: "secretsChanged", target: "rearming" },
          OBSERVED: {
            guard: "leftKeyMaterialFailure",
            target: "observed",
            actions: { type: "keepObservation", params: ({ event }) => ({ observation: event.observation }) },
          },
        },
      },
      rearming: {
        invoke: {
          src: "clearKeyMaterialFailure",
          input: ({ context, event }) => ({
            ref: context.ref,
            uid: context.uid,
            failedVersion: context.failedSecretsVersion ?? "",
            currentVersion: event.type === "SECRETS_VERSION" ? event.version : "",
          }),
          onDone: [
            { guard: outcomeIs("Done"), target: "observed", actions: "noteRearmed" },
            { guard: outcomeIs("Gone"), target: "abandoned", actions: reasonOf },
            // Tried again at the next config refresh.
            { target: "awaitingNewSecrets", actions: reasonOf },
          ],
          onError: { target: "awaitingNewSecrets", actions: rejected },
        },
      },
      releaseBackoff: {
        on: { OBSERVED: { guard: "finalizerGone", target: "released" } },
        // Sorted again from the run as last seen: one that completed meanwhile gets its last pass instead.
        after: { releaseRetryDelay: { target: "observed" } },
      },
      annotated: { type: "final" },
      failed: { type: "final" },
      released: { type: "final" },
      abandoned: { type: "final" },
    },
  });

export type RunLifecycleMachine = ReturnType<typeof createRunLifecycleMachine>;

/** The step a pass resumes at from `queued`: the one its history state recorded, or the sign step to redo failed uploads. */
export const resumePointOf = (snapshot: SnapshotFrom<RunLifecycleMachine>): string => {
  if (snapshot.context.uploadFailure !== undefined) return "snapshotted";
  if (snapshot.context.plan === undefined) return "pending";
  const recorded = Object.values(snapshot.historyValue)[0]?.[0];
  return recorded?.key ?? "pending";
};
