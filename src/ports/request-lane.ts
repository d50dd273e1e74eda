import { Context } from "effect";
import type { Lane } from "../domain/lifecycle/decide-run-command.ts";

/**
 * The lane of the work in progress, carried with it rather than passed through every call: set
 * where a worker takes a run off the work queue, read where a request spends a shared budget (the
 * Kubernetes client's rate limiter), so live runs stay first from the queue to the API server.
 * Work started outside any lane (watches, finalizer writes, start-up reads) counts as live.
 */
export class RequestLane extends Context.Service<
  RequestLane,
  {
    /** The lane of the work this call belongs to. */
    readonly current: () => Lane;
    /** Runs `work`, and everything it starts, in `lane`. */
    readonly within: <A>(lane: Lane, work: () => A) => A;
  }
>()("chains-ts/RequestLane") {}
