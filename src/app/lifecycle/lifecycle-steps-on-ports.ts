import { Effect, Result } from "effect";
import {
  FAILED_SECRETS_VERSION_ANNOTATION,
  finalizerFor,
  SIGNED_ANNOTATION,
  TRANSPARENCY_ANNOTATION,
} from "../../domain/annotations/chains-annotations.ts";
import { isTerminal, signingStateOf } from "../../domain/annotations/signing-state.ts";
import type { ChainsConfig } from "../../domain/config/chains-config.ts";
import type { LifecycleSteps, PermanentFailure, RunIdentity, WriteOutcome } from "../../domain/lifecycle/lifecycle-steps.ts";
import { REARM_REMOVED_ANNOTATIONS } from "../../domain/lifecycle/key-material-failure.ts";
import { recordFailedPass } from "../../domain/lifecycle/retry-budget.ts";
import type { RunObject } from "../../domain/run/run-object.ts";
import { runKey, type RunRef } from "../../domain/run/run-ref.ts";
import { planSigningPass } from "../../domain/signing-pass/plan-signing-pass.ts";
import { type SignedArtifact, storeKey } from "../../domain/signing-pass/signing-artifacts.ts";
import { ArtifactStores } from "../../ports/artifact-store.ts";
import { ClusterEvents } from "../../ports/cluster-events.ts";
import type { ClusterServices } from "../../ports/cluster.ts";
import { RunWriter } from "../../ports/run-writer.ts";
import { Metrics } from "../../ports/metrics.ts";
import { type Signer, type SignerName, Signers, type SignerUnavailable } from "../../ports/signer.ts";
import { TransparencyLog } from "../../ports/transparency-log.ts";
import { signArtifact, unsignedArtifact } from "../signing-pass/sign-artifact.ts";
import { combinedPermanence, permanenceOf } from "./failure-permanence.ts";
import { passMetric } from "./pass-metrics.ts";
import { pipelineChildrenWithReads } from "./pipeline-children.ts";

export type PassServices = ClusterServices | Signers | ArtifactStores | TransparencyLog | Metrics;

/** What the controller knows right now: its cache of runs and the config in force. */
export interface ControllerView {
  readonly run: (ref: RunRef) => RunObject | undefined;
  readonly config: () => ChainsConfig;
}

export interface EffectRunner {
  readonly runPromise: <A, E>(effect: Effect.Effect<A, E, PassServices>) => Promise<A>;
}

/** A user-facing reason: typed errors carry `reason` (and `source`, the key the user must fix). */
const describe = (error: unknown): string => {
  if (typeof error === "object" && error !== null) {
    if ("reason" in error && typeof error.reason === "string")
      return "source" in error && typeof error.source === "string" ? `${error.source}: ${error.reason}` : error.reason;
    if ("message" in error && typeof error.message === "string" && error.message !== "") return error.message;
  }
  return JSON.stringify(error);
};

/** The current object for an actor, or why there is nothing to do for it. */
const liveRun = (view: ControllerView, { ref, uid }: RunIdentity): RunObject | string => {
  const run = view.run(ref);
  if (run === undefined) return "the run no longer exists";
  if (run.metadata.uid !== uid) return "the run was deleted and re-created";
  if (isTerminal(signingStateOf(run.metadata.annotations))) return "the run is already signed or failed";
  return run;
};

/** A log line and a Warning Event on the run, for what a user must see in `kubectl describe`. */
const recordWarning = (ref: RunRef, reason: string, message: string) =>
  Effect.logWarning(message).pipe(
    Effect.annotateLogs({ run: runKey(ref) }),
    Effect.andThen(ClusterEvents.use((events) => events.recordEvent(ref, { type: "Warning", reason, message }))),
  );

const isTransparencyKey = (key: string): boolean => key.startsWith(TRANSPARENCY_ANNOTATION);

/**
 * A finalizer write. It records no Event when it succeeds (issue 14: a signed run costs its two
 * PATCHes and nothing else); a failure gets the reference's Warning `FinalizerUpdateFailed` with
 * the reason, so `kubectl describe` says why a deletion waits.
 */
const writeFinalizer = (
  { ref, uid }: RunIdentity,
  change: { readonly addFinalizer: string } | { readonly removeFinalizer: string },
  what: string,
): Effect.Effect<WriteOutcome, never, RunWriter | ClusterEvents> =>
  Effect.all([RunWriter, ClusterEvents]).pipe(Effect.andThen(([writer, events]) =>
    writer.writeRun(ref, { ...change, uid }).pipe(
      Effect.as<WriteOutcome>({ _tag: "Done" }),
      Effect.catch((error): Effect.Effect<WriteOutcome> => {
        if (error._tag === "RunGone") return Effect.succeed({ _tag: "Gone", reason: "the run no longer exists" });
        const reason = error._tag === "ClusterUnavailable" ? `${error.operation}: ${error.reason}` : error._tag;
        return Effect.logWarning(`could not ${what} on ${runKey(ref)}: ${reason}`).pipe(
          Effect.andThen(
            events.recordEvent(ref, {
              type: "Warning",
              reason: "FinalizerUpdateFailed",
              message: `Failed to update finalizers for ${JSON.stringify(ref.name)}: ${reason}`,
            }),
          ),
          Effect.as<WriteOutcome>({ _tag: "Failed", reason: `could not ${what}: ${reason}` }),
        );
      }),
    ),
  ));

/** The side effects of a run's life, on the ports. Every failure becomes a value for the statechart. */
export const makeLifecycleSteps = (view: ControllerView, runner: EffectRunner): LifecycleSteps => ({
  addFinalizer: (input) => runner.runPromise(writeFinalizer(input, { addFinalizer: finalizerFor(input.ref.kind) }, "add the finalizer")),

  releaseFinalizer: (input) =>
    runner.runPromise(writeFinalizer(input, { removeFinalizer: finalizerFor(input.ref.kind) }, "remove the finalizer")),

  rearm: ({ ref, uid, failedVersion, currentVersion }) =>
    runner.runPromise(
      Effect.all([RunWriter, ClusterEvents]).pipe(Effect.andThen(([writer, events]) => {
        const message =
          `signing-secrets changed since this run failed on its key material ` +
          `(version ${failedVersion}, now ${currentVersion}): signing it again`;
        return writer.writeRun(ref, { uid, removeAnnotations: REARM_REMOVED_ANNOTATIONS }).pipe(
          Effect.andThen(events.recordEvent(ref, { type: "Normal", reason: "SigningRetried", message })),
          Effect.as<WriteOutcome>({ _tag: "Done" }),
          Effect.catch((error): Effect.Effect<WriteOutcome> =>
            error._tag === "RunGone"
              ? Effect.succeed({ _tag: "Gone", reason: "the run no longer exists" })
              : Effect.logWarning(`could not clear the key-material failure of ${runKey(ref)}: ${error._tag}`).pipe(
                  Effect.as<WriteOutcome>({ _tag: "Failed", reason: `could not clear the key-material failure: ${error._tag}` }),
                ),
          ),
        );
      })),
    ),

  snapshot: async (input) => {
    const run = liveRun(view, input);
    if (typeof run === "string") return { _tag: "NothingToDo", reason: run };
    return runner.runPromise(
      Effect.gen(function* () {
        const metrics = yield* Metrics;
        let children: ReadonlyArray<RunObject> = [];
        let missingChildren: ReadonlyArray<string> = [];
        if (run.kind === "PipelineRun") {
          const state = yield* pipelineChildrenWithReads(run, view.run);
          const waitingFor = [...state.pending.map((c) => c.metadata.name), ...state.missing];
          if (waitingFor.length > 0 && !input.proceedWithoutMissingChildren) {
            if (state.missing.length > 0)
              yield* recordWarning(
                input.ref,
                "ChildrenMissing",
                `waiting for child TaskRuns that do not exist: ${state.missing.join(", ")}; after the bounded wait the PipelineRun is signed without them`,
              );
            return { _tag: "WaitingForChildren", waitingFor } as const;
          }
          // After the bounded wait, completed children count even if unsigned; the rest are recorded as missing.
          children = [...state.ready, ...state.pending.filter((c) => c.status?.completionTime !== undefined)];
          missingChildren = waitingFor.filter((name) => !children.some((c) => c.metadata.name === name));
        }
        const plan = planSigningPass({ run, children, missingChildren, config: view.config() });
        if (Result.isFailure(plan)) {
          metrics.increment(passMetric.signingFailures(run.kind), { error_type: "payload_creation" });
          return { _tag: "Failed", reason: `payload creation failed: ${plan.failure.reason}` } as const;
        }
        for (const warning of plan.success.warnings) {
          metrics.increment(passMetric.droppedHints);
          yield* Effect.logWarning(warning).pipe(Effect.annotateLogs({ run: runKey(input.ref) }));
        }
        if (missingChildren.length > 0)
          yield* recordWarning(
            input.ref,
            "SigningWithoutChildren",
            `signing without the child TaskRuns still missing or unfinished after the bounded wait: ${missingChildren.join(", ")}`,
          );
        return { _tag: "Ready", plan: plan.success } as const;
      }),
    );
  },

  sign: (input) =>
    runner.runPromise(
      Effect.gen(function* () {
        const signers = yield* Signers;
        const tlog = yield* TransparencyLog;
        const metrics = yield* Metrics;
        const signed: Record<string, SignedArtifact> = { ...input.signed };
        const failures: Array<string> = [];
        const uploadFailures: Array<string> = [];
        const permanence: Array<PermanentFailure | undefined> = [];
        // One lookup per signer and pass: every artifact of a pass is signed with the same key material.
        const signerOf = new Map<SignerName, Result.Result<Signer, SignerUnavailable>>();
        for (const artifact of input.plan.artifacts) {
          let result = signed[artifact.id];
          if (result === undefined) {
            if (artifact.signer === "none") {
              signed[artifact.id] = unsignedArtifact(artifact);
              continue;
            }
            let signer = signerOf.get(artifact.signer);
            if (signer === undefined) {
              signer = yield* Effect.result(signers.get(artifact.signer));
              signerOf.set(artifact.signer, signer);
            }
            const outcome = yield* Effect.result(Effect.flatMap(Effect.fromResult(signer), (s) => signArtifact(artifact, s)));
            if (Result.isFailure(outcome)) {
              if (artifact.artifact !== "oci")
                metrics.increment(passMetric.signingFailures(input.ref.kind), { error_type: "signing" });
              failures.push(`${artifact.id}: ${describe(outcome.failure)}`);
              permanence.push(permanenceOf(outcome.failure));
              continue;
            }
            metrics.increment(passMetric.signCreated(input.ref.kind));
            result = outcome.success;
            // Kept even if the upload below fails: the retry uploads this very signature (defect #11).
            signed[artifact.id] = result;
          }
          if (!input.plan.uploadToTransparencyLog || result.transparencyEntry !== undefined || artifact.signer === "none") continue;
          const entry = yield* Effect.result(
            tlog.upload({
              payload: result.dsse ? result.signature : new TextEncoder().encode(result.payload),
              signature: result.signature,
              publicKeyPem: result.publicKeyPem,
              certificatePem: result.certificatePem,
              dsse: result.dsse,
            }),
          );
          if (Result.isFailure(entry)) {
            if (artifact.artifact !== "oci")
              metrics.increment(passMetric.signingFailures(input.ref.kind), { error_type: "tlog" });
            yield* Effect.logWarning(`transparency log upload failed for ${artifact.id}: ${entry.failure.reason}`).pipe(
              Effect.annotateLogs({ run: runKey(input.ref) }),
            );
            uploadFailures.push(`${artifact.id}: transparency log upload failed: ${entry.failure.reason}`);
            continue;
          }
          metrics.increment(passMetric.payloadUploaded(input.ref.kind));
          signed[artifact.id] = { ...result, transparencyEntry: entry.success };
        }
        if (failures.length > 0)
          return {
            _tag: "Failed",
            signed,
            reason: [...failures, ...uploadFailures].join("; "),
            permanent: combinedPermanence(permanence),
          } as const;
        return uploadFailures.length === 0
          ? ({ _tag: "Done", signed } as const)
          : ({ _tag: "Done", signed, uploadFailure: uploadFailures.join("; ") } as const);
      }),
    ),

  store: (input) =>
    runner.runPromise(
      Effect.gen(function* () {
        const stores = yield* ArtifactStores;
        const metrics = yield* Metrics;
        const run = liveRun(view, input);
        if (typeof run === "string") return { stored: input.stored, annotations: input.annotations, failure: run };
        const stored = new Set(input.stored);
        const annotations: Record<string, string> = { ...input.annotations };
        const failures: Array<string> = [];
        const permanence: Array<PermanentFailure | undefined> = [];
        for (const planned of input.plan.artifacts) {
          const artifact = input.signed[planned.id];
          if (artifact === undefined) continue;
          // Sorted, as the reference calls backends in name order.
          for (const backend of [...artifact.storage].sort()) {
            const key = storeKey(artifact.id, backend);
            if (stored.has(key)) continue;
            const outcome = yield* Effect.result(
              Effect.flatMap(stores.get(backend), (store) => store.store({ run, artifact })),
            );
            if (Result.isFailure(outcome)) {
              metrics.increment(passMetric.backendErrors, { backend });
              if (artifact.artifact !== "oci")
                metrics.increment(passMetric.signingFailures(input.ref.kind), { error_type: "storage" });
              failures.push(`${artifact.id} → ${backend}: ${outcome.failure.reason}`);
              permanence.push(permanenceOf(outcome.failure));
              continue;
            }
            metrics.increment(passMetric.payloadStored(input.ref.kind));
            metrics.increment(passMetric.backendStored, { backend });
            Object.assign(annotations, outcome.success.annotations);
            stored.add(key);
          }
        }
        return failures.length === 0
          ? { stored: [...stored], annotations }
          : { stored: [...stored], annotations, failure: failures.join("; "), permanent: combinedPermanence(permanence) };
      }),
    ),

  annotate: (input) =>
    runner.runPromise(
      Effect.gen(function* () {
        const writer = yield* RunWriter;
        const metrics = yield* Metrics;
        const written = yield* Effect.result(
          writer.writeRun(input.ref, {
            uid: input.uid,
            annotations: { ...input.annotations, [SIGNED_ANNOTATION]: "true" },
            removeFinalizer: finalizerFor(input.ref.kind),
          }),
        );
        if (Result.isSuccess(written)) {
          metrics.increment(passMetric.markedSigned(input.ref.kind));
          return { _tag: "Done" } as const;
        }
        const error = written.failure;
        return error._tag === "RunGone"
          ? ({ _tag: "Gone", reason: "the run no longer exists" } as const)
          : ({ _tag: "Failed", reason: `could not mark the run signed: ${describe(error)}` } as const);
      }),
    ),

  recordFailure: (input) =>
    runner.runPromise(
      Effect.gen(function* () {
        const writer = yield* RunWriter;
        const events = yield* ClusterEvents;
        const record = recordFailedPass(input.failedPasses, input.giveUp);
        const transparency = Object.fromEntries(
          Object.entries(input.pendingAnnotations).filter(([key]) => isTransparencyKey(key)),
        );
        const outcome = !record.exhausted
          ? `will retry (failed passes: ${input.failedPasses + 1})`
          : input.permanent === undefined
            ? "marked failed"
            : input.permanent.secretsVersion === undefined
              ? "marked failed (a retry would fail the same way)"
              : "marked failed until the signing-secrets Secret changes";
        yield* Effect.logWarning(`signing pass failed, ${outcome}: ${input.reason}`).pipe(
          Effect.annotateLogs({ run: runKey(input.ref) }),
        );
        yield* events.recordEvent(input.ref, {
          type: "Warning",
          reason: record.exhausted ? "SigningFailed" : "SigningRetry",
          message: `chains-ts ${outcome}: ${input.reason}`,
        });
        const written = yield* Effect.result(
          writer.writeRun(input.ref, {
            uid: input.uid,
            annotations: {
              ...transparency,
              ...record.annotations,
              ...(record.exhausted && input.permanent?.secretsVersion !== undefined
                ? { [FAILED_SECRETS_VERSION_ANNOTATION]: input.permanent.secretsVersion }
                : {}),
            },
            ...(record.exhausted ? { removeFinalizer: finalizerFor(input.ref.kind) } : {}),
          }),
        );
        if (Result.isSuccess(written)) return { _tag: "Recorded", exhausted: record.exhausted } as const;
        if (written.failure._tag === "RunGone") return { _tag: "Gone", reason: "the run no longer exists" } as const;
        // Rejecting sends the statechart to `retrying` without counting this pass.
        return yield* Effect.fail(written.failure);
      }),
    ),
});
