import { assign, fromPromise, setup } from "xstate";
import type { PassPlan, SignedArtifact } from "../signing-pass/signing-artifacts.ts";
import { transparencyAnnotations } from "../transparency/transparency-annotations.ts";
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

/** The step a retry resumes at: everything before it already succeeded and is kept in context. */
export type ResumePoint = "pending" | "snapshotted" | "signed" | "stored";

export interface LifecycleInput extends RunIdentity {
  /** Failed passes already recorded on the run (from its `retries` annotation). */
  readonly failedPasses: number;
  readonly timing: LifecycleTiming;
}

export interface LifecycleTiming {
  /** First retry delay; it doubles with each failed pass, up to `maxRetryDelayMs`. */
  readonly retryDelayMs: number;
  readonly maxRetryDelayMs: number;
  /** How long a PipelineRun waits for missing or unsigned children before signing without them. */
  readonly childWaitMs: number;
}

export interface LifecycleContext extends LifecycleInput {
  readonly deleting: boolean;
  readonly plan: PassPlan | undefined;
  readonly signed: Readonly<Record<string, SignedArtifact>>;
  readonly stored: ReadonlyArray<string>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly resumeAt: ResumePoint;
  readonly proceedWithoutMissingChildren: boolean;
  readonly lastError: string | undefined;
  /** Transparency log uploads that failed in this pass: the pass stores, then fails and retries them. */
  readonly uploadFailure: string | undefined;
  /** How the failure being recorded is classified; undefined for a transient one. */
  readonly permanent: PermanentFailure | undefined;
}

export type LifecycleEvent =
  /** A worker slot is free: continue from `queued`. */
  | { readonly type: "RESUME" }
  /** The run got a deletionTimestamp: make this the last attempt. */
  | { readonly type: "RUN_DELETING" }
  /** A child TaskRun of a waiting PipelineRun changed. */
  | { readonly type: "CHILDREN_CHANGED" };

/** Which step of `LifecycleSteps` each named actor of the chart runs. */
export const STEP_OF_ACTOR = {
  takeSnapshot: "snapshot",
  signArtifacts: "sign",
  storeArtifacts: "store",
  writeSignedAnnotations: "annotate",
  recordFailedPass: "recordFailure",
} as const satisfies Record<string, keyof LifecycleSteps>;

export type LifecycleActorName = keyof typeof STEP_OF_ACTOR;

/** States in which the actor holds no worker slot: it waits for time, children or a slot. */
export const PARKED_STATES = ["retrying", "awaitingChildren", "queued"] as const;
export const FINAL_STATES = ["annotated", "failed", "abandoned"] as const;

const describeRejection = (error: unknown): string =>
  `internal error: ${error instanceof Error ? error.message : String(error)}`;

/** The annotations so far plus the transparency entries of the signed artifacts. */
const withEntries = (
  annotations: Readonly<Record<string, string>>,
  signed: Readonly<Record<string, SignedArtifact>>,
): Readonly<Record<string, string>> => ({ ...annotations, ...transparencyAnnotations(Object.values(signed)) });

/** Failed uploads are retried from the sign step, which redoes only the uploads; else storage is retried. */
const resumeAfterStore = (context: LifecycleContext): ResumePoint => (context.uploadFailure === undefined ? "signed" : "snapshotted");

/** What a failed step leaves for `recordingFailure`: where to resume, why, and whether it is permanent. */
interface StepFailure {
  readonly resumeAt: ResumePoint;
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
const rejected = (resumeAt: ResumePoint | ((context: LifecycleContext) => ResumePoint)) => ({
  type: "failStep" as const,
  params: ({ context, event }: { context: LifecycleContext; event: { error: unknown } }): StepFailure => ({
    resumeAt: typeof resumeAt === "function" ? resumeAt(context) : resumeAt,
    reason: describeRejection(event.error),
  }),
});

/**
 * The life of one run from "completed, not signed" to a terminal annotation:
 * `pending → snapshotted → signed → stored → annotated`. Any failed step goes through
 * `recordingFailure` (retry bookkeeping on the run), then waits in `retrying` and resumes at the
 * step that failed, or ends in `failed` when the budget is spent. Durable state lives only in the
 * run's annotations, so a fresh actor for the same run (after a restart) picks up correctly.
 * Actors (the steps), guards and actions are named in `setup()`, so the chart below reads as the
 * run's life and nothing else.
 */
export const createRunLifecycleMachine = (steps: LifecycleSteps) =>
  setup({
    types: {
      context: {} as LifecycleContext,
      events: {} as LifecycleEvent,
      input: {} as LifecycleInput,
    },
    actors: {
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
      /** Every write succeeded and every transparency upload of the pass too: `signed: true` may be written. */
      everythingStored: ({ context }, params: { readonly failure: string | undefined }) =>
        params.failure === undefined && context.uploadFailure === undefined,
      failureRecordedAndExhausted: (_, params: { readonly outcome: FailureRecordOutcome }) =>
        params.outcome._tag === "Recorded" && params.outcome.exhausted,
      resumesAt: ({ context }, params: { readonly step: ResumePoint }) => context.resumeAt === params.step,
    },
    actions: {
      markDeleting: assign({ deleting: true }),
      keepPlan: assign((_, params: { readonly plan: PassPlan | undefined }) => ({ plan: params.plan })),
      noteNothingToDo: assign((_, params: { readonly reason: string | undefined }) => ({ lastError: params.reason })),
      keepSignatures: assign(({ context }, params: { readonly signed: Readonly<Record<string, SignedArtifact>> }) => ({
        signed: params.signed,
        annotations: withEntries(context.annotations, params.signed),
      })),
      /** The uploads of this pass that failed: storage proceeds, then the pass fails and retries them. */
      noteUploadFailure: assign((_, params: { readonly uploadFailure: string | undefined }) => ({ uploadFailure: params.uploadFailure })),
      keepStored: assign((_, params: StoreProgress) => ({ stored: params.stored, annotations: params.annotations })),
      failStep: assign((_, params: StepFailure) => ({
        resumeAt: params.resumeAt,
        lastError: params.reason,
        permanent: params.permanent,
      })),
      countFailedPass: assign({ failedPasses: ({ context }) => context.failedPasses + 1 }),
      restartPass: assign({ resumeAt: "pending" as const }),
      stopWaitingForChildren: assign({ resumeAt: "pending" as const, proceedWithoutMissingChildren: true }),
    },
    delays: {
      retryDelay: ({ context }) =>
        Math.min(context.timing.retryDelayMs * 2 ** Math.max(0, context.failedPasses - 1), context.timing.maxRetryDelayMs),
      childWait: ({ context }) => context.timing.childWaitMs,
    },
  }).createMachine({
    id: "run-lifecycle",
    context: ({ input }) => ({
      ...input,
      deleting: false,
      plan: undefined,
      signed: {},
      stored: [],
      annotations: {},
      resumeAt: "pending" as const,
      proceedWithoutMissingChildren: false,
      lastError: undefined,
      uploadFailure: undefined,
      permanent: undefined,
    }),
    initial: "pending",
    on: {
      RUN_DELETING: { actions: "markDeleting" },
    },
    states: {
      pending: {
        invoke: {
          src: "takeSnapshot",
          input: ({ context }) => ({
            ref: context.ref,
            uid: context.uid,
            proceedWithoutMissingChildren: context.proceedWithoutMissingChildren || context.deleting,
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
            { guard: outcomeIs("WaitingForChildren"), target: "awaitingChildren" },
            {
              guard: outcomeIs("NothingToDo"),
              target: "abandoned",
              actions: {
                type: "noteNothingToDo",
                params: ({ event }) => ({ reason: event.output._tag === "NothingToDo" ? event.output.reason : undefined }),
              },
            },
            {
              target: "recordingFailure",
              actions: {
                type: "failStep",
                params: ({ event }) => ({ resumeAt: "pending", reason: event.output._tag === "Failed" ? event.output.reason : "" }),
              },
            },
          ],
          onError: { target: "recordingFailure", actions: rejected("pending") },
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
              target: "recordingFailure",
              actions: [
                { type: "keepSignatures", params: ({ event }) => ({ signed: event.output.signed }) },
                {
                  type: "failStep",
                  params: ({ event }) => ({
                    resumeAt: "snapshotted",
                    reason: event.output._tag === "Failed" ? event.output.reason : "",
                    permanent: event.output._tag === "Failed" ? event.output.permanent : undefined,
                  }),
                },
              ],
            },
          ],
          onError: { target: "recordingFailure", actions: rejected("snapshotted") },
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
              target: "recordingFailure",
              actions: [
                { type: "keepStored", params: ({ event }) => event.output },
                {
                  type: "failStep",
                  params: ({ context, event }) => ({
                    resumeAt: resumeAfterStore(context),
                    reason: [event.output.failure, context.uploadFailure].filter((e) => e !== undefined).join("; "),
                    permanent: event.output.permanent,
                  }),
                },
              ],
            },
          ],
          onError: { target: "recordingFailure", actions: rejected(resumeAfterStore) },
        },
      },
      stored: {
        invoke: {
          src: "writeSignedAnnotations",
          input: ({ context }) => ({ ref: context.ref, uid: context.uid, annotations: context.annotations }),
          onDone: [
            { guard: outcomeIs("Done"), target: "annotated" },
            {
              guard: outcomeIs("Gone"),
              target: "abandoned",
              actions: {
                type: "noteNothingToDo",
                params: ({ event }) => ({ reason: event.output._tag === "Gone" ? event.output.reason : undefined }),
              },
            },
            {
              target: "recordingFailure",
              actions: {
                type: "failStep",
                params: ({ event }) => ({ resumeAt: "stored", reason: event.output._tag === "Failed" ? event.output.reason : "" }),
              },
            },
          ],
          onError: { target: "recordingFailure", actions: rejected("stored") },
        },
      },
      recordingFailure: {
        invoke: {
          src: "recordFailedPass",
          input: ({ context }) => ({
            ref: context.ref,
            uid: context.uid,
            failedPasses: context.failedPasses,
            giveUp: context.deleting || context.permanent !== undefined,
            reason: context.lastError ?? "unknown failure",
            permanent: context.permanent,
            pendingAnnotations: context.annotations,
          }),
          onDone: [
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
        on: { CHILDREN_CHANGED: { target: "queued", actions: "restartPass" } },
        after: { childWait: { target: "queued", actions: "stopWaitingForChildren" } },
      },
      queued: {
        on: {
          RESUME: [
            { guard: { type: "resumesAt", params: { step: "snapshotted" } }, target: "snapshotted" },
            { guard: { type: "resumesAt", params: { step: "signed" } }, target: "signed" },
            { guard: { type: "resumesAt", params: { step: "stored" } }, target: "stored" },
            { target: "pending" },
          ],
        },
      },
      annotated: { type: "final" },
      failed: { type: "final" },
      abandoned: { type: "final" },
    },
  });

export type RunLifecycleMachine = ReturnType<typeof createRunLifecycleMachine>;
