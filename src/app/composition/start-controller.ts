import { Cause, Context, Effect, Exit, Layer, Result, Scope } from "effect";
import type { ConfigInvalid } from "../../domain/config/config-invalid.ts";
import type { ClusterUnavailable } from "../../ports/cluster.ts";
import type { ControllerHooks, ControllerOptions, RunController } from "../controller/run-controller.ts";
import { inProcessControllerLayer, type RuntimeParts } from "./layers.ts";
import { Controller } from "./running-controller.ts";

export interface RunningController {
  readonly controller: RunController;
  /** Stops the controller gracefully, then releases what it ran on. */
  readonly stop: () => Promise<void>;
}

/** `inProcessControllerLayer` built in a scope of its own, which `stop` closes. */
export const startController = async (
  parts: RuntimeParts,
  options: ControllerOptions,
  hooks: ControllerHooks = {},
): Promise<Result.Result<RunningController, ConfigInvalid | ClusterUnavailable>> => {
  const scope = Scope.makeUnsafe();
  const close = () => Effect.runPromise(Scope.close(scope, Exit.void));
  const started = await Effect.runPromiseExit(Scope.provide(scope)(Layer.build(inProcessControllerLayer(parts, options, hooks))));
  if (Exit.isSuccess(started)) return Result.succeed({ controller: Context.get(started.value, Controller), stop: close });
  await close();
  const failure = Cause.findErrorOption(started.cause);
  if (failure._tag === "None") throw Cause.squash(started.cause);
  return Result.fail(failure.value);
};
