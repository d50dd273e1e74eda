import { Context, Data, type Effect } from "effect";
import type { RunRef } from "../domain/run/run-ref.ts";

/** What the run watch delivers. Objects are raw JSON: decoding is the controller's job. */
export type RunWatchEvent =
  /** `initial` marks objects from the start-up list (the backlog), as opposed to live changes. */
  | { readonly type: "upsert"; readonly object: unknown; readonly initial: boolean }
  | { readonly type: "delete"; readonly object: unknown }
  /** The start-up list is complete; everything after this is live. */
  | { readonly type: "synced" };

export interface RunWatch {
  readonly stop: () => void;
}

/**
 * One write to a run: chains annotations to set and finalizer changes, applied atomically.
 * Other annotations and finalizers on the object are never touched.
 */
export interface RunWrite {
  /** Every key must start with `chains.tekton.dev/`. */
  readonly annotations?: Readonly<Record<string, string>>;
  /** Chains annotations to delete (e.g. `signed` and `retries`, to sign a run again). */
  readonly removeAnnotations?: ReadonlyArray<string>;
  /**
   * Added only while the live run is not yet signed or failed: a finalizer write still in flight
   * when the run is signed must not put it back (issue 13).
   */
  readonly addFinalizer?: string;
  readonly removeFinalizer?: string;
  /** Only write if the run still has this uid (it was not deleted and re-created meanwhile). */
  readonly uid: string;
}

export interface ClusterEvent {
  readonly type: "Normal" | "Warning";
  readonly reason: string;
  readonly message: string;
}

export interface SecretSnapshot {
  /** Changes whenever any file changes; signers are rebuilt only then. */
  readonly version: string;
  readonly files: ReadonlyMap<string, Uint8Array>;
}

/** The API server (or its stand-in) could not be reached or answered with an error. */
export class ClusterUnavailable extends Data.TaggedError("ClusterUnavailable")<{
  readonly operation: string;
  readonly reason: string;
}> {}

/** The run no longer exists, or was re-created with another uid. */
export class RunGone extends Data.TaggedError("RunGone")<{ readonly run: string }> {}

/** A key outside `chains.tekton.dev/` was about to be written. */
export class ForeignAnnotation extends Data.TaggedError("ForeignAnnotation")<{ readonly key: string }> {}

export class Cluster extends Context.Service<
  Cluster,
  {
    /** Lists every run (delivered as `initial`), sends `synced`, then streams changes. */
    readonly watchRuns: (onEvent: (event: RunWatchEvent) => void) => Effect.Effect<RunWatch, ClusterUnavailable>;
    /**
     * One live read of a run (raw JSON), `undefined` when it does not exist: for a PipelineRun's
     * child that the watch cache does not hold, before calling it missing.
     */
    readonly readRun: (ref: RunRef) => Effect.Effect<unknown, ClusterUnavailable>;
    /** Applies one atomic write and returns the updated raw object. */
    readonly writeRun: (
      ref: RunRef,
      write: RunWrite,
    ) => Effect.Effect<unknown, ClusterUnavailable | RunGone | ForeignAnnotation>;
    /** The `chains-config` data (empty when the ConfigMap is missing). */
    readonly readConfig: () => Effect.Effect<Readonly<Record<string, string>>, ClusterUnavailable>;
    readonly readSigningSecrets: () => Effect.Effect<SecretSnapshot, ClusterUnavailable>;
    /** Records a Kubernetes Event on the run; best effort. */
    readonly recordEvent: (ref: RunRef, event: ClusterEvent) => Effect.Effect<void>;
    /** Records a Kubernetes Event on the `chains-config` ConfigMap (e.g. an edit rejected); best effort. */
    readonly recordConfigEvent: (event: ClusterEvent) => Effect.Effect<void>;
  }
>()("chains-ts/Cluster") {}
