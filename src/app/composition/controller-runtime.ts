import { Effect, ManagedRuntime, type Scope } from "effect";
import type { EffectRunner, PassServices } from "../lifecycle/lifecycle-steps-on-ports.ts";
import { passLayer, type RuntimeParts } from "./layers.ts";

export interface ControllerRuntime extends EffectRunner {
  readonly dispose: () => Promise<void>;
}

/** The services of `passLayer`, built once and shared by every pass until disposed. */
export const makeControllerRuntime = (parts: RuntimeParts): ControllerRuntime => {
  const runtime = ManagedRuntime.make(passLayer(parts));
  return {
    runPromise: <A, E>(effect: Effect.Effect<A, E, PassServices>) => runtime.runPromise(effect),
    dispose: () => runtime.dispose(),
  };
};

/** `makeControllerRuntime`, disposed when the scope closes. */
export const controllerRuntime = (parts: RuntimeParts): Effect.Effect<ControllerRuntime, never, Scope.Scope> =>
  Effect.acquireRelease(Effect.sync(() => makeControllerRuntime(parts)), (runtime) => Effect.promise(() => runtime.dispose()));
