import { Effect, Layer, Logger, type LogLevel, ManagedRuntime, References } from "effect";
import { makeCachedSigners } from "../../adapters/signing/cached-signers.ts";
import type { KeylessContext } from "../../adapters/signing/fulcio/keyless-context.ts";
import { buildSigner } from "../../adapters/signing/signer-registry.ts";
import { makeArtifactStores } from "../../adapters/storage/artifact-store-registry.ts";
import { tektonAnnotationStore } from "../../adapters/tekton-storage/tekton-annotation-store.ts";
import type { ChainsConfig } from "../../domain/config/chains-config.ts";
import { type ArtifactStore, ArtifactStores } from "../../ports/artifact-store.ts";
import type { ClusterPorts } from "../../ports/cluster.ts";
import { Metrics } from "../../ports/metrics.ts";
import { Signers, SignerUnavailable } from "../../ports/signer.ts";
import { TransparencyLog } from "../../ports/transparency-log.ts";
import type { EffectRunner, PassServices } from "../lifecycle/lifecycle-steps-on-ports.ts";
import { clusterLayer } from "./layers.ts";

/** A backend the runtime builds, for backends that read the config in force (e.g. `oci`). */
export type ArtifactStoreFactory = (context: { readonly config: () => ChainsConfig }) => ArtifactStore;

/** A transparency log that reads the config in force (Rekor: `transparency.url`). */
export type TransparencyLogFactory = (context: { readonly config: () => ChainsConfig }) => TransparencyLog["Service"];

/** Keyless context that reads the config in force (the trusted root's TUF mirror). */
export type KeylessContextFactory = (context: { readonly config: () => ChainsConfig }) => KeylessContext;

export interface RuntimeParts {
  readonly cluster: ClusterPorts;
  readonly metrics: Metrics["Service"];
  readonly transparencyLog: TransparencyLog["Service"] | TransparencyLogFactory;
  /** Backends besides `tekton`, which is always available. */
  readonly stores: ReadonlyArray<ArtifactStore | ArtifactStoreFactory>;
  /** The config signers are built for; the controller's current config. */
  readonly config: () => ChainsConfig;
  /** `json` for the controller's structured logs; `silent` for tests and the REPL. */
  readonly logs: "json" | "silent";
  /** With `json` logs: lines below this level are dropped (the logging ConfigMap's level; default Info). */
  readonly logLevel?: LogLevel.LogLevel;
  /** What keyless (Fulcio) signing needs; without it `signers.x509.fulcio.enabled` is refused. */
  readonly keyless?: KeylessContext | KeylessContextFactory;
}

export interface ControllerRuntime extends EffectRunner {
  readonly dispose: () => Promise<void>;
}

/**
 * Builds the services a signing pass needs from its parts. Signers read the signing secrets through
 * the cluster port and are cached until the secrets or signer config change.
 */
export const makeControllerRuntime = (parts: RuntimeParts): ControllerRuntime => {
  const keyless = typeof parts.keyless === "function" ? parts.keyless({ config: parts.config }) : parts.keyless;
  const signers = makeCachedSigners({
    secrets: () =>
      parts.cluster.configSource
        .readSigningSecrets()
        .pipe(
          Effect.mapError(
            (error) => new SignerUnavailable({ signer: "x509", source: "signing-secrets", reason: error.reason }),
          ),
        ),
    config: parts.config,
    now: keyless?.now,
  }, (name, material) => buildSigner(name, material, keyless));
  const services = Layer.mergeAll(
    clusterLayer(parts.cluster),
    Layer.succeed(Metrics, parts.metrics),
    Layer.succeed(
      TransparencyLog,
      typeof parts.transparencyLog === "function" ? parts.transparencyLog({ config: parts.config }) : parts.transparencyLog,
    ),
    Layer.succeed(Signers, signers),
    Layer.succeed(
      ArtifactStores,
      makeArtifactStores([
        tektonAnnotationStore,
        ...parts.stores.map((store) => (typeof store === "function" ? store({ config: parts.config }) : store)),
      ]),
    ),
    parts.logs === "json"
      ? Layer.merge(Logger.layer([Logger.consoleJson]), Layer.succeed(References.MinimumLogLevel, parts.logLevel ?? "Info"))
      : Layer.succeed(References.MinimumLogLevel, "None"),
  );
  const runtime = ManagedRuntime.make(services);
  return {
    runPromise: <A, E>(effect: Effect.Effect<A, E, PassServices>) => runtime.runPromise(effect),
    dispose: () => runtime.dispose(),
  };
};
