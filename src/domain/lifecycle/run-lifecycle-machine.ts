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

/**
 * The life of one run from "completed, not signed" to a terminal annotation:
 * `pending → snapshotted → signed → stored → annotated`. Any failed step goes through
 * `recordingFailure` (retry bookkeeping on the run), then waits in `retrying` and resumes at the
 * step that failed, or ends in `failed` when the budget is spent. Durable state lives only in the
 * run's annotations, so a fresh actor for the same run (after a restart) picks up correctly.
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
      RUN_DELETING: { actions: assign({ deleting: true }) },
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
              guard: ({ event }) => event.output._tag === "Ready",
              target: "snapshotted",
              actions: assign({ plan: ({ event }) => (event.output._tag === "Ready" ? event.output.plan : undefined) }),
            },
            {
              guard: ({ event }) => event.output._tag === "WaitingForChildren",
              target: "awaitingChildren",
            },
            {
              guard: ({ event }) => event.output._tag === "NothingToDo",
              target: "abandoned",
              actions: assign({
                lastError: ({ event }) => (event.output._tag === "NothingToDo" ? event.output.reason : undefined),
              }),
            },
            {
              target: "recordingFailure",
              actions: assign({
                resumeAt: "pending" as const,
                permanent: undefined,
                lastError: ({ event }) => (event.output._tag === "Failed" ? event.output.reason : undefined),
              }),
            },
          ],
          onError: {
            target: "recordingFailure",
            actions: assign({ resumeAt: "pending" as const, permanent: undefined, lastError: ({ event }) => describeRejection(event.error) }),
          },
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
              guard: ({ event }) => event.output._tag === "Done",
              target: "signed",
              actions: assign({
                signed: ({ event }) => event.output.signed,
                uploadFailure: ({ event }) => (event.output._tag === "Done" ? event.output.uploadFailure : undefined),
                annotations: ({ context, event }) => withEntries(context.annotations, event.output.signed),
              }),
            },
            {
              target: "recordingFailure",
              actions: assign({
                signed: ({ event }) => event.output.signed,
                annotations: ({ context, event }) => withEntries(context.annotations, event.output.signed),
                resumeAt: "snapshotted" as const,
                lastError: ({ event }) => (event.output._tag === "Failed" ? event.output.reason : undefined),
                permanent: ({ event }) => (event.output._tag === "Failed" ? event.output.permanent : undefined),
              }),
            },
          ],
          onError: {
            target: "recordingFailure",
            actions: assign({ resumeAt: "snapshotted" as const, permanent: undefined, lastError: ({ event }) => describeRejection(event.error) }),
          },
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
              guard: ({ context, event }) => event.output.failure === undefined && context.uploadFailure === undefined,
              target: "stored",
              actions: assign({
                stored: ({ event }) => event.output.stored,
                annotations: ({ event }) => event.output.annotations,
              }),
            },
            {
              target: "recordingFailure",
              actions: assign({
                stored: ({ event }) => event.output.stored,
                annotations: ({ event }) => event.output.annotations,
                resumeAt: ({ context }) => resumeAfterStore(context),
                lastError: ({ context, event }) =>
                  [event.output.failure, context.uploadFailure].filter((e) => e !== undefined).join("; "),
                permanent: ({ event }) => event.output.permanent,
              }),
            },
          ],
          onError: {
            target: "recordingFailure",
            actions: assign({ resumeAt: ({ context }) => resumeAfterStore(context), permanent: undefined, lastError: ({ event }) => describeRejection(event.error) }),
          },
        },
      },
      stored: {
        invoke: {
          src: "writeSignedAnnotations",
          input: ({ context }) => ({ ref: context.ref, uid: context.uid, annotations: context.annotations }),
          onDone: [
            { guard: ({ event }) => event.output._tag === "Done", target: "annotated" },
            {
              guard: ({ event }) => event.output._tag === "Gone",
              target: "abandoned",
              actions: assign({
                lastError: ({ event }) => (event.output._tag === "Gone" ? event.output.reason : undefined),
              }),
            },
            {
              target: "recordingFailure",
              actions: assign({
                resumeAt: "stored" as const,
                permanent: undefined,
                lastError: ({ event }) => (event.output._tag === "Failed" ? event.output.reason : undefined),
              }),
            },
          ],
          onError: {
            target: "recordingFailure",
            actions: assign({ resumeAt: "stored" as const, permanent: undefined, lastError: ({ event }) => describeRejection(event.error) }),
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
            giveUp: context.deleting || context.permanent !== undefined,
            reason: context.lastError ?? "unknown failure",
            permanent: context.permanent,
            pendingAnnotations: context.annotations,
          }),
          onDone: [
            {
              guard: ({ event }) => event.output._tag === "Recorded" && event.output.exhausted,
              target: "failed",
            },
            {
              guard: ({ event }) => event.output._tag === "Recorded",
              target: "retrying",
              actions: assign({ failedPasses: ({ context }) => context.failedPasses + 1 }),
            },
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
        on: { CHILDREN_CHANGED: { target: "queued", actions: assign({ resumeAt: "pending" as const }) } },
        after: {
          childWait: {
            target: "queued",
            actions: assign({ resumeAt: "pending" as const, proceedWithoutMissingChildren: true }),
          },
        },
      },
      queued: {
        on: {
          RESUME: [
            { guard: ({ context }) => context.resumeAt === "snapshotted", target: "snapshotted" },
            { guard: ({ context }) => context.resumeAt === "signed", target: "signed" },
            { guard: ({ context }) => context.resumeAt === "stored", target: "stored" },
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
