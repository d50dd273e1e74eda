import { Context, type Effect } from "effect";
import type { RunRef } from "../domain/run/run-ref.ts";
import type { ClusterUnavailable } from "./cluster.ts";

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

/** The TaskRuns and PipelineRuns of the cluster, as the controller sees them. */
export class RunSource extends Context.Service<
  RunSource,
  {
    /** Lists every run (delivered as `initial`), sends `synced`, then streams changes. */
    readonly watchRuns: (onEvent: (event: RunWatchEvent) => void) => Effect.Effect<RunWatch, ClusterUnavailable>;
    /**
     * One live read of a run (raw JSON), `undefined` when it does not exist: for a PipelineRun's
     * child that the watch cache does not hold, before calling it missing.
     */
    readonly readRun: (ref: RunRef) => Effect.Effect<unknown, ClusterUnavailable>;
  }
>()("chains-ts/RunSource") {}
