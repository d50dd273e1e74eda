import { Context, Effect, Layer, Logger, type LogLevel, References, type Scope } from "effect";
import type { AdapterLog } from "../../adapters/kubernetes/adapter-log.ts";
import type { KubernetesCluster } from "../../adapters/kubernetes/kubernetes-cluster.ts";
import { KubernetesConnection } from "../../adapters/kubernetes/kubernetes-connection.ts";
import { systemClock } from "../../adapters/clock/system-clock.ts";
import { InMemoryArtifactStore } from "../../adapters/memory/in-memory-artifact-store.ts";
import { InMemoryCluster } from "../../adapters/memory/in-memory-cluster.ts";
import { InMemoryMetrics } from "../../adapters/memory/in-memory-metrics.ts";
import { InMemoryTransparencyLog } from "../../adapters/memory/in-memory-transparency-log.ts";
import { makeCachedSigners } from "../../adapters/signing/cached-signers.ts";
import type { KeylessContext } from "../../adapters/signing/fulcio/keyless-context.ts";
import { buildSigner } from "../../adapters/signing/signer-registry.ts";
import { makeArtifactStores } from "../../adapters/storage/artifact-store-registry.ts";
import { tektonAnnotationStore } from "../../adapters/storage/tekton/tekton-annotation-store.ts";
import type { ChainsConfig } from "../../domain/config/chains-config.ts";
import type { ConfigInvalid } from "../../domain/config/config-invalid.ts";
import { type ArtifactStore, ArtifactStores } from "../../ports/artifact-store.ts";
import { ClusterEvents } from "../../ports/cluster-events.ts";
import type { ClusterPorts, ClusterServices, ClusterUnavailable } from "../../ports/cluster.ts";
import { ConfigSource } from "../../ports/config-source.ts";
import { Metrics } from "../../ports/metrics.ts";
import { RunSource } from "../../ports/run-source.ts";
import { RunWriter } from "../../ports/run-writer.ts";
import { Signers, SignerUnavailable } from "../../ports/signer.ts";
import type { SigstoreTrust } from "../../ports/sigstore-trust.ts";
import { TransparencyLog } from "../../ports/transparency-log.ts";
import type { ControllerHooks, ControllerOptions } from "../controller/run-controller.ts";
import { heldLeaseLeadership } from "../leadership/lease-leadership.ts";
import { replicaIdentity } from "../leadership/replica-identity.ts";
import type { PassServices } from "../lifecycle/lifecycle-steps-on-ports.ts";
import type { Observability } from "../observability/observability-servers.ts";
import { ConfigInForce, ControllerConfig, controllerConfigLayer } from "./controller-config.ts";
import { ControllerLeadership } from "./controller-leadership.ts";
import { PassRunner, passRuntimeLayer } from "./controller-runtime.ts";
import { ControllerSettings } from "./controller-settings.ts";
import { Controller, runningControllerLayer } from "./running-controller.ts";
import { retryStartupRead } from "./startup-read.ts";

// The composition root: which adapter stands behind each port, as Layers that acquire and release
// what they hold. The controller on a cluster is `clusterControllerLayer` (the connection, the
// backends' clients, the Leases, the servers); everything in-process — the embedded harness, the
// demo and the REPL — runs on the fakes of `inMemoryParts` through the same `passLayer`.

/** A backend the runtime builds, for backends that read the config in force (e.g. `oci`). */
export type ArtifactStoreFactory = (context: { readonly config: () => ChainsConfig }) => ArtifactStore;

/** A transparency log that reads the config in force (Rekor: `transparency.url`). */
export type TransparencyLogFactory = (context: { readonly config: () => ChainsConfig }) => TransparencyLog["Service"];

/** Keyless context that reads the config in force (the trusted root's TUF mirror). */
export type KeylessContextFactory = (context: { readonly config: () => ChainsConfig }) => KeylessContext;

/** Ready adapters (the fakes, or adapters built beforehand) behind each port a pass uses. */
export interface RuntimeParts {
  readonly cluster: ClusterPorts;
  readonly metrics: Metrics["Service"];
  readonly transparencyLog: TransparencyLog["Service"] | TransparencyLogFactory;
  /** Backends besides `tekton`, which is always available. */
  readonly stores: ReadonlyArray<ArtifactStore | ArtifactStoreFactory>;
  /** `json` for the controller's structured logs; `silent` for tests and the REPL. */
  readonly logs: "json" | "silent";
  /** With `json` logs: lines below this level are dropped (the logging ConfigMap's level; default Info). */
  readonly logLevel?: LogLevel.LogLevel;
  /** What keyless (Fulcio) signing needs; without it `signers.x509.fulcio.enabled` is refused. */
  readonly keyless?: KeylessContext | KeylessContextFactory;
}

/** What keyless (Fulcio) signing needs; none unless a layer provides it. */
export const KeylessSigning = Context.Reference<KeylessContext | undefined>("chains-ts/KeylessSigning", { defaultValue: () => undefined });

/** The services of a pass that stand on their own adapters; the signers are built on them. */
export type PassParts = ClusterServices | Metrics | TransparencyLog | ArtifactStores;

/** The cluster ports of one adapter, each under its own tag. */
export const clusterLayer = (ports: ClusterPorts): Layer.Layer<ClusterServices> =>
  Layer.mergeAll(
    Layer.succeed(RunSource, ports.runSource),
    Layer.succeed(RunWriter, ports.runWriter),
    Layer.succeed(ConfigSource, ports.configSource),
    Layer.succeed(ClusterEvents, ports.events),
  );

/** A log, or a log built on the config in force. */
export const transparencyLogLayer = (log: TransparencyLog["Service"] | TransparencyLogFactory): Layer.Layer<TransparencyLog, never, ConfigInForce> =>
  Layer.effect(TransparencyLog)(ConfigInForce.useSync((config) => (typeof log === "function" ? log({ config }) : log)));

/** `tekton` (always) and the given backends, those built on the config in force built now. */
export const artifactStoresLayer = (stores: ReadonlyArray<ArtifactStore | ArtifactStoreFactory>): Layer.Layer<ArtifactStores, never, ConfigInForce> =>
  Layer.effect(ArtifactStores)(
    ConfigInForce.useSync((config) =>
      makeArtifactStores([tektonAnnotationStore, ...stores.map((store) => (typeof store === "function" ? store({ config }) : store))]),
    ),
  );

/** Keyless signing's context, when there is one. */
export const keylessLayer = (keyless: KeylessContext | KeylessContextFactory | undefined): Layer.Layer<never, never, ConfigInForce> =>
  keyless === undefined
    ? Layer.empty
    : Layer.effect(KeylessSigning)(ConfigInForce.useSync((config) => (typeof keyless === "function" ? keyless({ config }) : keyless)));

/** The logger a pass logs through: JSON lines, or nothing. */
export const logsLayer = (logs: "json" | "silent", level: LogLevel.LogLevel = "Info"): Layer.Layer<never> =>
  logs === "json" ? jsonLogger(level) : Layer.succeed(References.MinimumLogLevel, "None");

/** Given adapters (the fakes, or adapters built beforehand) as the layers a pass stands on. */
export const partsLayer = (
  parts: RuntimeParts,
  /** The cluster ports' layer, when the caller uses the same one elsewhere in its graph (built once). */
  cluster: Layer.Layer<ClusterServices> = clusterLayer(parts.cluster),
): Layer.Layer<PassParts, never, ConfigInForce> =>
  Layer.mergeAll(
    cluster,
    Layer.succeed(Metrics, parts.metrics),
    transparencyLogLayer(parts.transparencyLog),
    artifactStoresLayer(parts.stores),
    keylessLayer(parts.keyless),
    logsLayer(parts.logs, parts.logLevel),
  );

/**
 * Signers on top of the given parts. They read the signing secrets through the config source and
 * are cached until the secrets or signer config change.
 */
export const signersLayer: Layer.Layer<Signers, never, ConfigSource | ConfigInForce> = Layer.effect(Signers)(
  Effect.gen(function* () {
    const configSource = yield* ConfigSource;
    const config = yield* ConfigInForce;
    const keyless = yield* KeylessSigning;
    return makeCachedSigners(
      {
        secrets: () =>
          configSource
            .readSigningSecrets()
            .pipe(Effect.mapError((error) => new SignerUnavailable({ signer: "x509", source: "signing-secrets", reason: error.reason }))),
        config,
        ...(keyless === undefined ? {} : { clock: keyless.clock }),
      },
      (name, material) => buildSigner(name, material, keyless),
    );
  }),
);

/** Every service a signing pass needs: the given parts, and the signers built on them. */
export const passLayer = <A, E, R>(parts: Layer.Layer<A, E, R>) => Layer.provideMerge(signersLayer, parts);

/** The controller's one logger: JSON lines on stdout; lines below `level` are dropped. */
export const jsonLogger = (level: LogLevel.LogLevel): Layer.Layer<never> =>
  Layer.merge(Logger.layer([Logger.consoleJson]), Layer.succeed(References.MinimumLogLevel, level));

/**
 * What adapters report outside any Effect (watch restarts, start-up waits, keychain lookups), as
 * lines of that same logger; `level` is read per line, since the logging ConfigMap is read late.
 */
export const adapterLogTo =
  (level: () => LogLevel.LogLevel): AdapterLog =>
  (severity, message) =>
    Effect.runSync(
      (severity === "warning" ? Effect.logWarning(message) : Effect.logInfo(message)).pipe(
        Effect.annotateLogs({ component: "kubernetes" }),
        Effect.provide(jsonLogger(level())),
      ),
    );

/**
 * The adapters only the controller uses, loaded on first call rather than with this file: the
 * harness, the demo and the REPL never use them, and Sigstore's TUF client alone slows their start
 * (issue 14). The controller command calls it before its start-up reads, so they load while it
 * waits for the API server.
 */
const importKubernetesAdapters = () =>
  Promise.all([
    import("../../adapters/registry/client/distribution-client.ts"),
    import("../../adapters/storage/oci/oci-artifact-store.ts"),
    import("../../adapters/registry/keychains/controller-keychain.ts"),
    import("../../adapters/rekor/rekor-transparency-log.ts"),
    import("../../adapters/storage/docdb/docdb-artifact-store.ts"),
    import("../../adapters/storage/docdb/document-writer.ts"),
    import("../../adapters/storage/docdb/dynamodb-document-writer.ts"),
    import("../../adapters/storage/docdb/firestore-document-writer.ts"),
    import("../../adapters/storage/http-artifact-stores.ts"),
    import("../../adapters/storage/pubsub/google-pubsub-publisher.ts"),
    import("../../adapters/storage/pubsub/in-memory-message-publisher.ts"),
    import("../../adapters/storage/pubsub/pubsub-artifact-store.ts"),
    import("./sigstore-trust-source.ts"),
  ]);
let kubernetesAdapterModules: ReturnType<typeof importKubernetesAdapters> | undefined;
export const kubernetesAdapters = (): ReturnType<typeof importKubernetesAdapters> => (kubernetesAdapterModules ??= importKubernetesAdapters());

/** What the backends of the controller on a cluster read besides the connection and chains-config. */
export interface KubernetesBackendsInput {
  readonly metrics: Metrics["Service"];
  readonly env: NodeJS.ProcessEnv;
  /** `--trusted-root FILE`, when given. */
  readonly trustedRoot: string | undefined;
  readonly log: AdapterLog;
}

/**
 * The backends of the controller on a cluster: Rekor, keyless signing, and every storage backend
 * chains-config may name. The Google and AWS clients the backends open are closed when the
 * layer's scope closes, after the passes using them.
 */
export const kubernetesBackendsLayer = (
  input: KubernetesBackendsInput,
): Layer.Layer<Metrics | TransparencyLog | ArtifactStores, never, KubernetesConnection | ConfigInForce> =>
  Layer.unwrap(
    Effect.gen(function* () {
      const [
        { distributionSession },
        { makeOciArtifactStore },
        { controllerKeychain },
        { makeRekorTransparencyLog },
        { makeDocdbArtifactStore },
        { documentWriterByDriver },
        { makeDynamoDbDocumentWriter },
        { makeFirestoreDocumentWriter },
        { httpArtifactStores },
        { makeGooglePubsubPublisher },
        { InMemoryMessagePublisher },
        { makePubsubArtifactStore },
        { sigstoreTrustSource },
      ] = yield* Effect.promise(kubernetesAdapters);
      const { env } = input;
      const cluster = yield* KubernetesConnection;
      const registryCredentials = cluster.registryCredentials(controllerKeychain({ env, log: input.log }));
      // One trust source for Rekor and Fulcio, so both check against the same trusted root.
      let trust: SigstoreTrust["Service"] | undefined;
      const trustFor = (config: () => ChainsConfig) => (trust ??= sigstoreTrustSource({ flag: input.trustedRoot, env, config }));
      // The Google and AWS clients open on the first store to their backend.
      const documents = yield* Effect.acquireRelease(
        Effect.sync(() => documentWriterByDriver({ firestore: makeFirestoreDocumentWriter(env), dynamodb: makeDynamoDbDocumentWriter(env) })),
        (writer) => Effect.promise(() => writer.close()),
      );
      const gcppubsub = yield* Effect.acquireRelease(Effect.sync(() => makeGooglePubsubPublisher(env)), (publisher) => Effect.promise(() => publisher.close()));
      return Layer.mergeAll(
        Layer.succeed(Metrics, input.metrics),
        transparencyLogLayer(({ config }) => makeRekorTransparencyLog({ url: () => config().transparency.url, trust: trustFor(config) })),
        keylessLayer(({ config }) => ({ clock: systemClock, trustedRoot: trustFor(config).trustedRoot, env })),
        artifactStoresLayer([
          ({ config }) => makeOciArtifactStore({ registry: { session: distributionSession }, config, credentials: registryCredentials }),
          ...httpArtifactStores(env),
          ({ config }) => makeDocdbArtifactStore({ config, documents }),
          ({ config }) => makePubsubArtifactStore({ config, publishers: { inmemory: new InMemoryMessagePublisher(), gcppubsub } }),
        ]),
      );
    }),
  );

/** The controller's logger at the level the logging ConfigMap names. */
export const controllerLogsLayer: Layer.Layer<never, never, ControllerSettings> = Layer.unwrap(
  ControllerSettings.useSync((settings) => jsonLogger(settings.logLevel)),
);

/** The cluster ports on the connection to the API server. */
export const kubernetesClusterLayer: Layer.Layer<ClusterServices, never, KubernetesConnection> = Layer.unwrap(
  KubernetesConnection.useSync((cluster) => clusterLayer(cluster.ports())),
);

/**
 * The connection to the API server, opened with `connect` and retried (`retryStartupRead`) as
 * long as the API server gives no usable answer; closed (watches stopped) when the scope closes.
 */
export const kubernetesConnectionLayer = (connect: Effect.Effect<KubernetesCluster, unknown, Scope.Scope>, log: AdapterLog): Layer.Layer<KubernetesConnection, unknown> =>
  Layer.effect(KubernetesConnection)(retryStartupRead("API discovery (/apis)", connect, log));

/**
 * The leader-election Leases, held (campaigned for) while the layer's scope is open and handed
 * back when it closes, so a standby may take over at once; none under `--disable-ha`.
 */
export const leasesLayer = (input: { readonly env: NodeJS.ProcessEnv; readonly log: AdapterLog }): Layer.Layer<never, never, KubernetesConnection | ControllerSettings> =>
  Layer.unwrap(
    Effect.gen(function* () {
      const { election } = yield* ControllerSettings;
      if (election === undefined) return Layer.empty;
      const cluster = yield* KubernetesConnection;
      return Layer.effect(ControllerLeadership)(
        heldLeaseLeadership({ store: cluster.leaseStore(), identity: replicaIdentity(input.env), ...election, log: input.log }),
      );
    }),
  );

/** The layers of the controller on a cluster, one per resource it holds. */
export interface ClusterControllerLayers<C, E> {
  /** The probe and metrics servers. */
  readonly servers: Layer.Layer<Observability, E>;
  readonly connection: Layer.Layer<C, E>;
  readonly cluster: Layer.Layer<ClusterServices, E, C>;
  readonly settings: Layer.Layer<ControllerSettings, E, C | ClusterServices>;
  /** The backends' clients and the pass logger. */
  readonly backends: Layer.Layer<Metrics | TransparencyLog | ArtifactStores, E, C | ConfigInForce | ControllerSettings>;
  readonly leases: Layer.Layer<never, E, C | ControllerSettings>;
  readonly controller: Layer.Layer<Controller, E, PassRunner | ControllerConfig>;
}

/**
 * The controller on a cluster as one layer graph, acquired in this order and released in reverse
 * when its scope closes: the probe and metrics servers first (so /healthz answers while the
 * start-up reads wait), the API connection, the start-up reads and chains-config, the backends'
 * clients, then the Leases (only now, so that a replica waiting for the API never holds them
 * without signing), the pass runtime and the controller. Closing it stops the controller (passes
 * in flight finish while the Leases are still held), disposes the pass runtime, hands the Leases
 * back, closes the backends' clients and the API connection, and the servers last.
 */
export const clusterControllerLayer = <C, E>(
  layers: ClusterControllerLayers<C, E>,
): Layer.Layer<Controller | Observability | C | ControllerSettings | PassServices, E | ConfigInvalid | ClusterUnavailable> =>
  layers.controller.pipe(
    Layer.provideMerge(passRuntimeLayer),
    Layer.provideMerge(layers.leases),
    Layer.provideMerge(passLayer(layers.backends)),
    Layer.provideMerge(controllerConfigLayer),
    Layer.provideMerge(layers.settings),
    Layer.provideMerge(layers.cluster),
    Layer.provideMerge(layers.connection),
    Layer.provideMerge(layers.servers),
  );

/** The fakes the embedded harness, the demo and the REPL run on: nothing outside the process. */
export interface InMemoryEnvironment {
  readonly cluster: InMemoryCluster;
  readonly metrics: InMemoryMetrics;
  readonly transparencyLog: InMemoryTransparencyLog;
  readonly stores: ReadonlyArray<ArtifactStore | ArtifactStoreFactory>;
}

/** Fresh fakes for whatever is not given; an in-memory `oci` store stands in for the registry. */
export const inMemoryEnvironment = (given: Partial<InMemoryEnvironment> = {}): InMemoryEnvironment => ({
  cluster: given.cluster ?? new InMemoryCluster(),
  metrics: given.metrics ?? new InMemoryMetrics(),
  transparencyLog: given.transparencyLog ?? new InMemoryTransparencyLog(),
  stores: given.stores ?? [new InMemoryArtifactStore("oci")],
});

export const inMemoryParts = (
  environment: InMemoryEnvironment,
  options: { readonly logs: "json" | "silent"; readonly keyless?: KeylessContext | undefined },
): RuntimeParts => ({
  cluster: environment.cluster.ports(),
  metrics: environment.metrics,
  transparencyLog: environment.transparencyLog,
  stores: environment.stores,
  logs: options.logs,
  ...(options.keyless === undefined ? {} : { keyless: options.keyless }),
});

/**
 * The controller in-process (the embedded harness, the demo, tests on the emulator): the given
 * parts, chains-config read from their cluster, the pass runtime and the controller, released in
 * reverse order.
 */
export const inProcessControllerLayer = (
  parts: RuntimeParts,
  options: ControllerOptions,
  hooks: ControllerHooks = {},
): Layer.Layer<Controller, ConfigInvalid | ClusterUnavailable> => {
  // One layer object in both places: chains-config is read through it, and the pass runs on it.
  const cluster = clusterLayer(parts.cluster);
  return runningControllerLayer(options, hooks).pipe(
    Layer.provide(passRuntimeLayer),
    Layer.provideMerge(passLayer(partsLayer(parts, cluster))),
    Layer.provideMerge(controllerConfigLayer),
    Layer.provide(cluster),
  );
};
