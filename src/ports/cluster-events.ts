import { Context, type Effect } from "effect";
import type { RunRef } from "../domain/run/run-ref.ts";

export interface ClusterEvent {
  readonly type: "Normal" | "Warning";
  readonly reason: string;
  readonly message: string;
}

/** Kubernetes Events, what `kubectl describe` shows users. Best effort: recording never fails. */
export class ClusterEvents extends Context.Service<
  ClusterEvents,
  {
    /** Records an Event on the run. */
    readonly recordEvent: (ref: RunRef, event: ClusterEvent) => Effect.Effect<void>;
    /** Records an Event on the `chains-config` ConfigMap (e.g. an edit rejected). */
    readonly recordConfigEvent: (event: ClusterEvent) => Effect.Effect<void>;
  }
>()("chains-ts/ClusterEvents") {}
