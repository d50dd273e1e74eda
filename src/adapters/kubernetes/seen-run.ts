import { isTerminal, signingStateOf } from "../../domain/annotations/signing-state.ts";

/**
 * What the watch last showed of a run, kept by the informer: enough to drop repeats, to name a run
 * that vanished, and for the run writer to decide a finalizer change without a GET (the
 * resourceVersion it sends as precondition makes a stale state cost a 409, never a wrong write).
 */
export interface SeenRun {
  readonly uid: string;
  readonly resourceVersion: string;
  readonly finalizers: ReadonlyArray<string>;
  readonly deleting: boolean;
  /** Signed or failed: no finalizer may be added any more. */
  readonly settled: boolean;
}

interface RawMeta {
  readonly uid?: unknown;
  readonly resourceVersion?: unknown;
  readonly finalizers?: unknown;
  readonly deletionTimestamp?: unknown;
  readonly annotations?: unknown;
}

const stringsOf = (value: unknown): ReadonlyArray<string> =>
  Array.isArray(value) ? value.filter((item): item is string => typeof item === "string") : [];

const stringRecordOf = (value: unknown): Readonly<Record<string, string>> | undefined =>
  typeof value === "object" && value !== null
    ? Object.fromEntries(Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === "string"))
    : undefined;

/** The fields of a raw run object the writer needs (empty uid/resourceVersion when absent). */
export const seenRunOf = (object: unknown): SeenRun => {
  const meta = (object as { metadata?: RawMeta } | undefined)?.metadata ?? {};
  return {
    uid: typeof meta.uid === "string" ? meta.uid : "",
    resourceVersion: typeof meta.resourceVersion === "string" ? meta.resourceVersion : "",
    finalizers: stringsOf(meta.finalizers),
    deleting: meta.deletionTimestamp !== undefined && meta.deletionTimestamp !== null,
    settled: isTerminal(signingStateOf(stringRecordOf(meta.annotations))),
  };
};
