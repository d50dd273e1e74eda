import { PatchStrategy } from "@kubernetes/client-node";
import { Data, Duration, Effect, Schedule } from "effect";
import { isChainsAnnotation } from "../../domain/annotations/chains-annotations.ts";
import { runKey, type RunRef } from "../../domain/run/run-ref.ts";
import { ClusterUnavailable } from "../../ports/cluster.ts";
import { ForeignAnnotation, RunGone, type RunWrite } from "../../ports/run-writer.ts";
import { describeApiError, httpStatusOf, isTransient } from "./api-errors.ts";
import type { KubeApi } from "./kube-api.ts";
import { type SeenRun, seenRunOf } from "./seen-run.ts";
import { runPath } from "./run-resources.ts";
import type { TektonVersion } from "./tekton-api-version.ts";

export interface RunWriterOptions {
  readonly api: KubeApi;
  readonly version: TektonVersion;
  /** Attempts per write, for 409 conflicts and transient failures together. */
  readonly attempts?: number;
  readonly retryDelayMs?: number;
  /** The run as the watch last delivered it: a finalizer write's first attempt is based on it instead of a GET. */
  readonly seen?: (ref: RunRef) => SeenRun | undefined;
}

interface LiveMeta {
  readonly uid?: string;
}

/** Why one attempt did not write; `retry` attempts go round again on fresh state (`fresh`, when read). */
type AttemptFailure =
  | { readonly _tag: "gone" }
  | { readonly _tag: "retry"; readonly reason: string; readonly wait: boolean; readonly fresh?: SeenRun }
  | { readonly _tag: "fatal"; readonly reason: string };

const finalizerRefusal = "Forbidden: no new finalizers can be added if the object is being deleted";

/**
 * Writes chains annotations and finalizer changes to a run with one JSON merge patch.
 * - The patch carries `metadata.uid`, which the API server treats as a precondition (409 when the
 *   run was re-created), and only the chains keys to set: other annotations are untouched.
 * - A write with a finalizer change is computed from a known state of the run and sent with that
 *   state's `metadata.resourceVersion` as precondition (the finalizers as the whole list), so a
 *   concurrent finalizer edit is never lost, and a finalizer is added only to a run that state shows
 *   unsigned: a finalizer write that loses a race with the signing write re-reads, and adds nothing.
 *   The first attempt's state is the one the watch last delivered (no GET); after a 409 it is a GET.
 * - A 409 is retried on fresh state (a uid mismatch or 404 is RunGone); 429/5xx/no answer are
 *   retried after a short delay; both within a bounded number of attempts.
 */
export const makeRunWriter = (options: RunWriterOptions) => {
  const { api, version } = options;
  const attempts = options.attempts ?? 5;
  const retryDelayMs = options.retryDelayMs ?? 200;

  const read = (ref: RunRef): Promise<unknown> => api.call((a) => a.json({ method: "GET", path: runPath(version, ref) }));

  const patch = (ref: RunRef, body: unknown): Promise<unknown> =>
    api.call((a) => a.json({ method: "PATCH", path: runPath(version, ref), body: { json: body, contentType: PatchStrategy.MergePatch } }));

  const classify = async (ref: RunRef, write: RunWrite, error: unknown): Promise<AttemptFailure> => {
    const status = httpStatusOf(error);
    if (status === 404) return { _tag: "gone" };
    if (status === 409) {
      // A uid precondition failure and a resourceVersion race both answer 409: tell them apart.
      const fresh = await read(ref).catch((e: unknown) => e);
      if (httpStatusOf(fresh) === 404 || (isObjectLike(fresh) && metaOf(fresh).uid !== write.uid)) return { _tag: "gone" };
      return { _tag: "retry", reason: describeApiError(error), wait: false, ...(isObjectLike(fresh) ? { fresh: seenRunOf(fresh) } : {}) };
    }
    if (isTransient(error)) return { _tag: "retry", reason: describeApiError(error), wait: true };
    return { _tag: "fatal", reason: describeApiError(error) };
  };

  /** The state a finalizer change is decided from: the one given, else the watch's, else a GET. */
  const basisFor = async (ref: RunRef, write: RunWrite, known: SeenRun | undefined): Promise<SeenRun> => {
    if (known !== undefined) return known;
    const seen = options.seen?.(ref);
    if (seen !== undefined && seen.uid === write.uid && seen.resourceVersion !== "") return seen;
    return seenRunOf(checkUid(await read(ref), write.uid));
  };

  const attempt = async (ref: RunRef, write: RunWrite, known: SeenRun | undefined): Promise<unknown> => {
    // In a merge patch, null deletes a key.
    const annotations: Record<string, string | null> = {
      ...Object.fromEntries((write.removeAnnotations ?? []).map((key) => [key, null])),
      ...write.annotations,
    };
    const hasAnnotations = Object.keys(annotations).length > 0;
    if (write.addFinalizer === undefined && write.removeFinalizer === undefined) {
      if (!hasAnnotations) return checkUid(await read(ref), write.uid);
      return patch(ref, { metadata: { uid: write.uid, annotations } });
    }
    const basis = await basisFor(ref, write, known);
    if (basis.uid !== write.uid) throw new UidMismatch();
    const current = basis.finalizers;
    const adding = write.addFinalizer !== undefined && !current.includes(write.addFinalizer) && !basis.settled;
    if (adding && basis.deleting) throw new FatalWrite(finalizerRefusal);
    const next = [...current, ...(adding && write.addFinalizer !== undefined ? [write.addFinalizer] : [])].filter(
      (f) => f !== write.removeFinalizer,
    );
    const finalizersChange = next.length !== current.length;
    if (!finalizersChange && !hasAnnotations) return undefined;
    return patch(ref, {
      metadata: {
        uid: write.uid,
        ...(hasAnnotations ? { annotations } : {}),
        // A merge patch replaces a list whole, and the finalizers were decided from a known state: the
        // resourceVersion makes both safe (a finalizer added since makes a removal conflict).
        resourceVersion: basis.resourceVersion,
        ...(finalizersChange ? { finalizers: next.length > 0 ? next : null } : {}),
      },
    });
  };

  /** One attempt; a failure worth another attempt is a WriteAttemptFailed, with the state it read. */
  const attemptOnce = (ref: RunRef, write: RunWrite, known: SeenRun | undefined): Effect.Effect<unknown, AttemptError> =>
    Effect.tryPromise({ try: () => attempt(ref, write, known), catch: (error) => error }).pipe(
      Effect.catch((error): Effect.Effect<never, AttemptError> => {
        const key = runKey(ref);
        if (error instanceof UidMismatch) return Effect.fail(new RunGone({ run: key }));
        if (error instanceof FatalWrite) return Effect.fail(new ClusterUnavailable({ operation: `write ${key}`, reason: error.message }));
        return Effect.promise(() => classify(ref, write, error)).pipe(
          Effect.andThen((failure): Effect.Effect<never, AttemptError> =>
            failure._tag === "gone"
              ? Effect.fail(new RunGone({ run: key }))
              : failure._tag === "fatal"
                ? Effect.fail(new ClusterUnavailable({ operation: `write ${key}`, reason: failure.reason }))
                : Effect.fail(
                    new WriteAttemptFailed({ reason: failure.reason, wait: failure.wait, ...(failure.fresh === undefined ? {} : { fresh: failure.fresh }) }),
                  ),
          ),
        );
      }),
    );

  const writeRun = (ref: RunRef, write: RunWrite): Effect.Effect<unknown, ClusterUnavailable | RunGone> =>
    Effect.suspend(() => {
      let known: SeenRun | undefined;
      return Effect.suspend(() => attemptOnce(ref, write, known)).pipe(
        Effect.tapError((error) => Effect.sync(() => (known = error instanceof WriteAttemptFailed ? error.fresh : undefined))),
        Effect.retry({ schedule: writeRetrySchedule(retryDelayMs), times: attempts - 1, while: (error) => error instanceof WriteAttemptFailed }),
        Effect.catchTag("WriteAttemptFailed", (failure) =>
          Effect.fail(new ClusterUnavailable({ operation: `write ${runKey(ref)}`, reason: `gave up after ${attempts} attempts: ${failure.reason}` })),
        ),
      );
    });

  return (ref: RunRef, write: RunWrite): Effect.Effect<unknown, ClusterUnavailable | RunGone | ForeignAnnotation> => {
    const foreign = [...Object.keys(write.annotations ?? {}), ...(write.removeAnnotations ?? [])].find((k) => !isChainsAnnotation(k));
    if (foreign !== undefined) return Effect.fail(new ForeignAnnotation({ key: foreign }));
    return writeRun(ref, write);
  };
};

/**
 * The wait before the next attempt: none after a conflict (it is retried at once on fresh state);
 * retryDelay × 2^(n-1) after a transient failure of attempt n (conflicts count as attempts).
 */
export const writeRetrySchedule = (retryDelayMs: number) =>
  Schedule.exponential(Duration.millis(retryDelayMs)).pipe(
    Schedule.setInputType<AttemptError>(),
    Schedule.modifyDelay(({ input, duration }) => Effect.succeed(input instanceof WriteAttemptFailed && input.wait ? duration : Duration.zero)),
  );

export type AttemptError = WriteAttemptFailed | ClusterUnavailable | RunGone;

/** An attempt that may succeed when made again; `fresh` is the run as read after a conflict. */
export class WriteAttemptFailed extends Data.TaggedError("WriteAttemptFailed")<{
  readonly reason: string;
  readonly wait: boolean;
  readonly fresh?: SeenRun;
}> {}

class UidMismatch extends Error {}
class FatalWrite extends Error {}

const isObjectLike = (value: unknown): value is object => typeof value === "object" && value !== null && !(value instanceof Error);

const metaOf = (object: unknown): LiveMeta => (object as { metadata?: LiveMeta } | undefined)?.metadata ?? {};

const checkUid = (object: unknown, uid: string): unknown => {
  if (metaOf(object).uid !== uid) throw new UidMismatch();
  return object;
};
