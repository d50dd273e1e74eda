import { Effect, Layer, Logger, type LogLevel, References, type Scope } from "effect";
import type { AdapterLog } from "../../adapters/kubernetes/adapter-log.ts";
import type { KubernetesCluster } from "../../adapters/kubernetes/kubernetes-cluster.ts";
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
import { type ArtifactStore, ArtifactStores } from "../../ports/artifact-store.ts";
import { ClusterEvents } from "../../ports/cluster-events.ts";
import type { ClusterPorts, ClusterServices } from "../../ports/cluster.ts";
import { ConfigSource } from "../../ports/config-source.ts";
import { Metrics } from "../../ports/metrics.ts";
import { RunSource } from "../../ports/run-source.ts";
import { RunWriter } from "../../ports/run-writer.ts";
import { Signers, SignerUnavailable } from "../../ports/signer.ts";
import type { SigstoreTrust } from "../../ports/sigstore-trust.ts";
import { TransparencyLog } from "../../ports/transparency-log.ts";
import type { PassServices } from "../lifecycle/lifecycle-steps-on-ports.ts";

// The composition root: which adapter stands behind each port, for the controller on a cluster
// (`kubernetesParts`) and for everything in-process — the embedded harness, the demo and the
// REPL (`inMemoryParts`) — and the one Layer a signing pass runs on (`passLayer`).

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

/** The cluster ports of one adapter, each under its own tag. */
export const clusterLayer = (ports: ClusterPorts): Layer.Layer<ClusterServices> =>
  Layer.mergeAll(
    Layer.succeed(RunSource, ports.runSource),
    Layer.succeed(RunWriter, ports.runWriter),
    Layer.succeed(ConfigSource, ports.configSource),
    Layer.succeed(ClusterEvents, ports.events),
  );

/**
 * Every service a signing pass needs. Signers read the signing secrets through the config source
 * and are cached until the secrets or signer config change.
 */
export const passLayer = (parts: RuntimeParts): Layer.Layer<PassServices> => {
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
    ...(keyless === undefined ? {} : { clock: keyless.clock }),
  }, (name, material) => buildSigner(name, material, keyless));
  return Layer.mergeAll(
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
    parts.logs === "json" ? jsonLogger(parts.logLevel ?? "Info") : Layer.succeed(References.MinimumLogLevel, "None"),
  );
};

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

export interface KubernetesPartsInput {
  readonly cluster: KubernetesCluster;
  readonly metrics: Metrics["Service"];
  readonly env: NodeJS.ProcessEnv;
  /** `--trusted-root FILE`, when given. */
  readonly trustedRoot: string | undefined;
  readonly log: AdapterLog;
  readonly logLevel: LogLevel.LogLevel;
}

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

/**
 * The controller on a cluster: Rekor, keyless signing, and every storage backend chains-config may
 * name, for as long as the scope is open: closing it closes the clients the backends opened.
 */
export const kubernetesParts = (input: KubernetesPartsInput): Effect.Effect<Omit<RuntimeParts, "config">, never, Scope.Scope> =>
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
    const registryCredentials = input.cluster.registryCredentials(controllerKeychain({ env, log: input.log }));
    // One trust source for Rekor and Fulcio, so both check against the same trusted root.
    let trust: SigstoreTrust["Service"] | undefined;
    const trustFor = (config: () => ChainsConfig) => (trust ??= sigstoreTrustSource({ flag: input.trustedRoot, env, config }));
    // The Google and AWS clients open on the first store to their backend; closed after the passes using them.
    const documents = yield* Effect.acquireRelease(
      Effect.sync(() => documentWriterByDriver({ firestore: makeFirestoreDocumentWriter(env), dynamodb: makeDynamoDbDocumentWriter(env) })),
      (writer) => Effect.promise(() => writer.close()),
    );
    const gcppubsub = yield* Effect.acquireRelease(Effect.sync(() => makeGooglePubsubPublisher(env)), (publisher) => Effect.promise(() => publisher.close()));
    return {
      cluster: input.cluster.ports(),
      metrics: input.metrics,
      transparencyLog: ({ config }) => makeRekorTransparencyLog({ url: () => config().transparency.url, trust: trustFor(config) }),
      keyless: ({ config }) => ({ clock: systemClock, trustedRoot: trustFor(config).trustedRoot, env }),
      stores: [
        ({ config }) => makeOciArtifactStore({ registry: { session: distributionSession }, config, credentials: registryCredentials }),
        ...httpArtifactStores(env),
        ({ config }) => makeDocdbArtifactStore({ config, documents }),
        ({ config }) => makePubsubArtifactStore({ config, publishers: { inmemory: new InMemoryMessagePublisher(), gcppubsub } }),
      ],
      logs: "json" as const,
      logLevel: input.logLevel,
    };
  });

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
): Omit<RuntimeParts, "config"> => ({
  cluster: environment.cluster.ports(),
  metrics: environment.metrics,
  transparencyLog: environment.transparencyLog,
  stores: environment.stores,
  logs: options.logs,
  ...(options.keyless === undefined ? {} : { keyless: options.keyless }),
});
