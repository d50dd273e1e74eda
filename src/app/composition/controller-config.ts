import { Context, Effect, Layer } from "effect";
import type { ChainsConfig } from "../../domain/config/chains-config.ts";
import type { ConfigInvalid } from "../../domain/config/config-invalid.ts";
import type { ClusterUnavailable } from "../../ports/cluster.ts";
import { ConfigSource } from "../../ports/config-source.ts";
import { ConfigHolder } from "../controller/config-holder.ts";

/** The chains-config in force, for the backends and signers that read it on each pass. */
export class ConfigInForce extends Context.Service<ConfigInForce, () => ChainsConfig>()("chains-ts/ConfigInForce") {}

/** The controller's config holder, with the warnings its start-up config raised (logged once the logger runs). */
export class ControllerConfig extends Context.Service<
  ControllerConfig,
  { readonly holder: ConfigHolder; readonly warnings: ReadonlyArray<string> }
>()("chains-ts/ControllerConfig") {}

/** Reads `chains-config` once; an invalid start-up config is an error naming the key. */
export const controllerConfigLayer: Layer.Layer<ControllerConfig | ConfigInForce, ConfigInvalid | ClusterUnavailable, ConfigSource> = Layer.effectContext(
  Effect.gen(function* () {
    const data = yield* (yield* ConfigSource).readConfig();
    const { holder, warnings } = yield* Effect.fromResult(ConfigHolder.initial(data));
    return Context.make(ControllerConfig, { holder, warnings }).pipe(Context.add(ConfigInForce, () => holder.current()));
  }),
);
