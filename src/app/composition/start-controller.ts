import { Effect, Result } from "effect";
import type { ConfigInvalid } from "../../domain/config/config-invalid.ts";
import type { ClusterUnavailable } from "../../ports/cluster.ts";
import { ConfigHolder } from "../controller/config-holder.ts";
import { type ControllerHooks, type ControllerOptions, RunController } from "../controller/run-controller.ts";
import { type ControllerRuntime, makeControllerRuntime } from "./controller-runtime.ts";
import type { RuntimeParts } from "./layers.ts";

export interface RunningController {
  readonly controller: RunController;
  readonly runtime: ControllerRuntime;
  /** Stops the controller gracefully, then releases the runtime. */
  readonly stop: () => Promise<void>;
}

/**
 * Reads `chains-config` (an invalid start-up config is an error naming the key), builds the
 * runtime around it and starts the controller.
 */
export const startController = async (
  parts: Omit<RuntimeParts, "config">,
  options: ControllerOptions,
  hooks: ControllerHooks = {},
): Promise<Result.Result<RunningController, ConfigInvalid | ClusterUnavailable>> => {
  const data = await Effect.runPromise(Effect.result(parts.cluster.configSource.readConfig()));
  if (Result.isFailure(data)) return Result.fail(data.failure);
  const initial = ConfigHolder.initial(data.success);
  if (Result.isFailure(initial)) return Result.fail(initial.failure);
  const { holder, warnings } = initial.success;
  const runtime = makeControllerRuntime({ ...parts, config: () => holder.current() });
  for (const warning of warnings) await runtime.runPromise(Effect.logWarning(warning));
  const started = await RunController.start(runtime, holder, options, hooks);
  if (Result.isFailure(started)) {
    await runtime.dispose();
    return Result.fail(started.failure);
  }
  const controller = started.success;
  return Result.succeed({
    controller,
    runtime,
    stop: async () => {
      await controller.stop();
      await runtime.dispose();
    },
  });
};
