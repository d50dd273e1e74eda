import { Cause, Effect, Exit, Result, Scope } from "effect";
import type { ConfigInvalid } from "../../domain/config/config-invalid.ts";
import type { ClusterUnavailable } from "../../ports/cluster.ts";
import { ConfigHolder } from "../controller/config-holder.ts";
import { type ControllerHooks, type ControllerOptions, RunController } from "../controller/run-controller.ts";
import { type ControllerRuntime, controllerRuntime } from "./controller-runtime.ts";
import type { RuntimeParts } from "./layers.ts";

export interface RunningController {
  readonly controller: RunController;
  readonly runtime: ControllerRuntime;
  /** Stops the controller gracefully, then releases the runtime. */
  readonly stop: () => Promise<void>;
}

/**
 * Reads `chains-config` (an invalid start-up config is an error naming the key), builds the
 * runtime around it and starts the controller, for as long as the scope is open: closing it stops
 * the controller gracefully (in-flight passes drained, watches stopped), then disposes the runtime.
 */
export const runningController = (
  parts: Omit<RuntimeParts, "config">,
  options: ControllerOptions,
  hooks: ControllerHooks = {},
): Effect.Effect<Omit<RunningController, "stop">, ConfigInvalid | ClusterUnavailable, Scope.Scope> =>
  Effect.gen(function* () {
    const data = yield* parts.cluster.configSource.readConfig();
    const { holder, warnings } = yield* Effect.fromResult(ConfigHolder.initial(data));
    const runtime = yield* controllerRuntime({ ...parts, config: () => holder.current() });
    for (const warning of warnings) yield* Effect.promise(() => runtime.runPromise(Effect.logWarning(warning)));
    const controller = yield* Effect.acquireRelease(
      Effect.promise(() => RunController.start(runtime, holder, options, hooks)).pipe(Effect.flatMap(Effect.fromResult)),
      (started) => Effect.promise(() => started.stop()),
    );
    return { controller, runtime };
  });

/** `runningController` in a scope of its own, which `stop` closes. */
export const startController = async (
  parts: Omit<RuntimeParts, "config">,
  options: ControllerOptions,
  hooks: ControllerHooks = {},
): Promise<Result.Result<RunningController, ConfigInvalid | ClusterUnavailable>> => {
  const scope = Scope.makeUnsafe();
  const close = () => Effect.runPromise(Scope.close(scope, Exit.void));
  const started = await Effect.runPromiseExit(Scope.provide(scope)(runningController(parts, options, hooks)));
  if (Exit.isSuccess(started)) return Result.succeed({ ...started.value, stop: close });
  await close();
  const failure = Cause.findErrorOption(started.cause);
  if (failure._tag === "None") throw Cause.squash(started.cause);
  return Result.fail(failure.value);
};
