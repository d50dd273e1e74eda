import { Context, Effect, Layer, ManagedRuntime } from "effect";
import type { EffectRunner, PassServices } from "../lifecycle/lifecycle-steps-on-ports.ts";

export interface ControllerRuntime extends EffectRunner {
  readonly dispose: () => Promise<void>;
}

/** What the controller runs its passes on. */
export class PassRunner extends Context.Service<PassRunner, EffectRunner>()("chains-ts/PassRunner") {}

/**
 * The services of a `passLayer`, built once and shared by every pass until disposed; disposing
 * interrupts the passes still running.
 */
export const makeControllerRuntime = (layer: Layer.Layer<PassServices>): ControllerRuntime => {
  const runtime = ManagedRuntime.make(layer);
  return {
    runPromise: <A, E>(effect: Effect.Effect<A, E, PassServices>) => runtime.runPromise(effect),
    dispose: () => runtime.dispose(),
  };
};

/**
 * A runtime over the pass services already built in this layer graph (with its logger), disposed
 * when the layer's scope closes: before the layers it was built from release their resources.
 */
export const passRuntimeLayer: Layer.Layer<PassRunner, never, PassServices> = Layer.effect(PassRunner)(
  Effect.gen(function* () {
    const context = yield* Effect.context<PassServices>();
    return yield* Effect.acquireRelease(
      Effect.sync(() => makeControllerRuntime(Layer.succeedContext(context))),
      (runtime) => Effect.promise(() => runtime.dispose()),
    );
  }),
);
