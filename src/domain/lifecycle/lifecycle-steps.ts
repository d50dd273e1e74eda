import type { RunRef } from "../run/run-ref.ts";
import type { PassPlan, SignedArtifact } from "../signing-pass/signing-artifacts.ts";

/** Identity of the run an actor works on; a re-created run (new uid) gets a new actor. */
export interface RunIdentity {
  readonly ref: RunRef;
  readonly uid: string;
}

/**
 * A step failure that trying again cannot fix: the run is marked failed at once, with one Event,
 * instead of spending the retry budget. `secretsVersion` is set when the cause is the key material
 * of that `signing-secrets` version; the run is worth another pass once the secrets change.
 */
export interface PermanentFailure {
  readonly secretsVersion?: string;
}

export type SnapshotOutcome =
  | { readonly _tag: "Ready"; readonly plan: PassPlan }
  | { readonly _tag: "WaitingForChildren"; readonly waitingFor: ReadonlyArray<string> }
  /** The run is gone, was re-created, or is already signed/failed: nothing to do. */
  | { readonly _tag: "NothingToDo"; readonly reason: string }
  | { readonly _tag: "Failed"; readonly reason: string };

export type SignOutcome =
  /**
   * Every artifact is signed. `uploadFailure` says which transparency log uploads failed: storage
   * still proceeds (without a bundle), then the pass fails and its retry uploads only those.
   */
  | { readonly _tag: "Done"; readonly signed: Readonly<Record<string, SignedArtifact>>; readonly uploadFailure?: string }
  /** `signed` keeps what did succeed, so the retry signs only the rest. */
  | {
      readonly _tag: "Failed";
      readonly signed: Readonly<Record<string, SignedArtifact>>;
      readonly reason: string;
      /** Absent for a transient failure. */
      readonly permanent?: PermanentFailure;
    };

export interface StoreOutcome {
  /** Every (artifact, backend) key stored so far, including earlier attempts. */
  readonly stored: ReadonlyArray<string>;
  /** Annotations the backends want written with `signed: true` (the `tekton` backend). */
  readonly annotations: Readonly<Record<string, string>>;
  /** Set when any write failed. */
  readonly failure?: string;
  /** Set when that failure is permanent. */
  readonly permanent?: PermanentFailure;
}

export type WriteOutcome =
  | { readonly _tag: "Done" }
  | { readonly _tag: "Gone"; readonly reason: string }
  | { readonly _tag: "Failed"; readonly reason: string };

export type FailureRecordOutcome =
  | { readonly _tag: "Recorded"; readonly exhausted: boolean }
  | { readonly _tag: "Gone"; readonly reason: string };

/**
 * The side effects of a run's life: its finalizer and its signing passes. The app implements them
 * on the ports; the statechart only sequences them. Implementations report failures as values; a rejected promise is still handled.
 */
export interface LifecycleSteps {
  /** The first of at most two writes per run, so a deletion waits for signing; an Event only on failure. */
  readonly addFinalizer: (input: RunIdentity) => Promise<WriteOutcome>;
  /** Removes our finalizer from a run with nothing (more) to sign; an Event only on failure. */
  readonly releaseFinalizer: (input: RunIdentity) => Promise<WriteOutcome>;
  /** One write makes a run failed on `failedVersion`'s key material unsigned again, with a fresh retry budget. */
  readonly rearm: (input: RunIdentity & { readonly failedVersion: string; readonly currentVersion: string }) => Promise<WriteOutcome>;
  readonly snapshot: (input: RunIdentity & { readonly proceedWithoutMissingChildren: boolean }) => Promise<SnapshotOutcome>;
  readonly sign: (
    input: RunIdentity & { readonly plan: PassPlan; readonly signed: Readonly<Record<string, SignedArtifact>> },
  ) => Promise<SignOutcome>;
  readonly store: (
    input: RunIdentity & {
      readonly plan: PassPlan;
      readonly signed: Readonly<Record<string, SignedArtifact>>;
      readonly stored: ReadonlyArray<string>;
      readonly annotations: Readonly<Record<string, string>>;
    },
  ) => Promise<StoreOutcome>;
  /** The single write that marks the run signed: store annotations + `signed: true`, finalizer removed. */
  readonly annotate: (
    input: RunIdentity & { readonly annotations: Readonly<Record<string, string>> },
  ) => Promise<WriteOutcome>;
  /** Retry bookkeeping against the live object; `giveUp` marks the run failed now. */
  readonly recordFailure: (
    input: RunIdentity & {
      readonly failedPasses: number;
      /** Mark the run failed now: it is being deleted, or the failure is permanent. */
      readonly giveUp: boolean;
      readonly reason: string;
      readonly permanent: PermanentFailure | undefined;
      /** Annotations gathered so far; only the transparency entries are written on a failed pass. */
      readonly pendingAnnotations: Readonly<Record<string, string>>;
    },
  ) => Promise<FailureRecordOutcome>;
}
