import { Context, Effect, Layer } from "effect";
import type { ClusterUnavailable } from "../../ports/cluster.ts";
import { type ControllerHooks, type ControllerOptions, RunController } from "../controller/run-controller.ts";
import { ControllerConfig } from "./controller-config.ts";
import { ControllerLeadership } from "./controller-leadership.ts";
import { PassRunner } from "./controller-runtime.ts";

/** The running controller: watching runs and signing them. */
export class Controller extends Context.Service<Controller, RunController>()("chains-ts/Controller") {}

/**
 * Starts the controller on the pass runtime, for as long as the layer's scope is open: closing it
 * stops the controller gracefully (in-flight passes drained, watches stopped) before anything it
 * runs on is released. `options.leadership`, when given, wins over `ControllerLeadership`.
 */
export const runningControllerLayer = (
  options: ControllerOptions,
  hooks: ControllerHooks = {},
): Layer.Layer<Controller, ClusterUnavailable, PassRunner | ControllerConfig> =>
  Layer.effect(Controller)(
    Effect.gen(function* () {
      const runner = yield* PassRunner;
      const { holder, warnings } = yield* ControllerConfig;
      const leadership = yield* ControllerLeadership;
      for (const warning of warnings) yield* Effect.promise(() => runner.runPromise(Effect.logWarning(warning)));
      return yield* Effect.acquireRelease(
        Effect.promise(() => RunController.start(runner, holder, { leadership, ...options }, hooks)).pipe(Effect.flatMap(Effect.fromResult)),
        (started) => Effect.promise(() => started.stop()),
      );
    }),
  );
