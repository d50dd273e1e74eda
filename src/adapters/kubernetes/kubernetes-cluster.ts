import type { KubeConfig } from "@kubernetes/client-node";
import { Effect, type Scope } from "effect";
import { ClusterUnavailable, type ClusterPorts } from "../../ports/cluster.ts";
import type { SecretSnapshot } from "../../ports/config-source.ts";
import { readSigningSecretsDirectory } from "../files/signing-secrets-directory.ts";
import { type AdapterLog, silentLog } from "./adapter-log.ts";
import { KubeApi } from "./kube-api.ts";
import { defaultListWatchTiming, type ListWatchTiming, pageOf } from "./list-watch.ts";
import { NamedObjectCache } from "./named-object-cache.ts";
import { makeEventRecorder } from "./event-recorder.ts";
import { runPath, TEKTON_GROUP } from "./run-resources.ts";
import { runKey, type RunRef } from "../../domain/run/run-ref.ts";
import { RunInformer } from "./run-informer.ts";
import { makeRunWriter } from "./run-writer.ts";
import { resolveTektonVersion, type TektonVersion } from "./tekton-api-version.ts";
import type { Keychain } from "../../domain/oci/registry-credential.ts";
import type { RegistryCredentials } from "../../ports/registry-credentials.ts";
import { makeKubernetesRegistryCredentials } from "./kubernetes-registry-credentials.ts";
import type { LeaseStore } from "../../ports/lease-store.ts";
import { makeKubernetesLeaseStore } from "./kubernetes-lease-store.ts";
import { describeApiError, httpStatusOf } from "./api-errors.ts";

export const CONFIG_MAP_NAME = "chains-config";
export const SIGNING_SECRET_NAME = "signing-secrets";

export interface KubernetesClusterOptions {
  readonly kubeConfig: KubeConfig;
  /** Where `chains-config` and `signing-secrets` live (`SYSTEM_NAMESPACE`); default `tekton-chains`. */
  readonly systemNamespace?: string;
  /** `--namespace`: watch runs only there (one list-watch each); empty means cluster-wide. */
  readonly namespaces?: ReadonlyArray<string>;
  readonly qps?: number;
  readonly burst?: number;
  /**
   * Read signing secrets from this directory (the mounted Secret, as the reference does) instead
   * of watching the `signing-secrets` Secret.
   */
  readonly signingSecretsDirectory?: string;
  readonly timing?: Partial<ListWatchTiming>;
  /** How long a read waits for the first list of `chains-config` / `signing-secrets`. Default 30 s. */
  readonly syncTimeoutMs?: number;
  readonly writeAttempts?: number;
  readonly writeRetryDelayMs?: number;
  readonly log?: AdapterLog;
}

/**
 * The cluster ports on a real API server (or the loopback emulator): runs are watched through
 * supervised list-watches, config and secrets are served from watch caches, runs are written with
 * merge patches, and Events are created best effort.
 */
export class KubernetesCluster {
  readonly version: TektonVersion;
  readonly #api: KubeApi;
  readonly #informer: RunInformer;
  readonly #config: NamedObjectCache<Readonly<Record<string, string>>>;
  readonly #secret: NamedObjectCache<SecretSnapshot> | undefined;
  readonly #options: KubernetesClusterOptions;
  readonly #systemNamespace: string;
  #closed = false;

  private constructor(options: KubernetesClusterOptions, api: KubeApi, version: TektonVersion) {
    this.#options = options;
    this.#api = api;
    this.version = version;
    const log = options.log ?? silentLog;
    const timing = { ...defaultListWatchTiming, ...options.timing };
    const namespace = (this.#systemNamespace = options.systemNamespace ?? "tekton-chains");
    this.#informer = new RunInformer({ api, version, namespaces: options.namespaces ?? [], timing, log });
    const cacheOf = <A>(kind: "ConfigMap" | "Secret", name: string, decode: (object: unknown) => A) =>
      new NamedObjectCache({
        api,
        description: `${kind} ${namespace}/${name}`,
        name,
        watchPath: `/api/v1/namespaces/${encodeURIComponent(namespace)}/${kind === "ConfigMap" ? "configmaps" : "secrets"}`,
        list: async (fieldSelector) =>
          pageOf(
            await api.call((a) =>
              kind === "ConfigMap"
                ? a.core.listNamespacedConfigMap({ namespace, fieldSelector })
                : a.core.listNamespacedSecret({ namespace, fieldSelector }),
            ),
          ),
        decode,
        timing,
        log,
      });
    this.#config = cacheOf("ConfigMap", CONFIG_MAP_NAME, configDataOf);
    this.#secret = options.signingSecretsDirectory === undefined ? cacheOf("Secret", SIGNING_SECRET_NAME, secretSnapshotOf) : undefined;
  }

  /**
   * Connects: finds the tekton.dev version served (throws TektonApiMissing, or ClusterUnavailable
   * when discovery fails) and starts the config watches.
   */
  static async connect(options: KubernetesClusterOptions): Promise<KubernetesCluster> {
    const api = new KubeApi(options.kubeConfig, {
      ...(options.qps === undefined ? {} : { qps: options.qps }),
      ...(options.burst === undefined ? {} : { burst: options.burst }),
    });
    try {
      return new KubernetesCluster(options, api, await resolveTektonVersion(api));
    } catch (error) {
      api.close();
      throw error;
    }
  }

  /**
   * `connect`, for as long as the scope is open: closing it stops the watches and releases the
   * connections. Interruptible while discovery waits; a connection made meanwhile is closed.
   */
  static scoped(options: KubernetesClusterOptions): Effect.Effect<KubernetesCluster, unknown, Scope.Scope> {
    return Effect.acquireRelease(
      Effect.tryPromise({
        try: async (signal) => {
          const connected = await KubernetesCluster.connect(options);
          if (signal.aborted) connected.close();
          return connected;
        },
        catch: (error) => error,
      }),
      (cluster) => Effect.sync(() => cluster.close()),
      { interruptible: true },
    );
  }

  /** Registry credentials for the `oci` backend: the run's ServiceAccount, then `controllerKeychain`. */
  registryCredentials(controllerKeychain: Keychain): RegistryCredentials["Service"] {
    return makeKubernetesRegistryCredentials(this.#api, controllerKeychain);
  }

  /** The leader-election Leases in `SYSTEM_NAMESPACE`. */
  leaseStore(): LeaseStore["Service"] {
    return makeKubernetesLeaseStore(this.#api, this.#systemNamespace);
  }

  /**
   * One read of a ConfigMap in `SYSTEM_NAMESPACE` that is consulted only at start-up (the
   * leader-election settings); a missing one reads as empty.
   */
  async readStartupConfigMap(name: string): Promise<Readonly<Record<string, string>>> {
    const namespace = this.#systemNamespace;
    try {
      return configDataOf(await this.#api.call((a) => a.core.readNamespacedConfigMap({ namespace, name })));
    } catch (error) {
      if (httpStatusOf(error) === 404) return {};
      throw new ClusterUnavailable({ operation: `read ConfigMap ${namespace}/${name}`, reason: describeApiError(error) });
    }
  }

  ports(): ClusterPorts {
    const syncTimeoutMs = this.#options.syncTimeoutMs ?? 30_000;
    const namespace = this.#systemNamespace;
    const log = this.#options.log ?? silentLog;
    const writeRun = makeRunWriter({
      api: this.#api,
      version: this.version,
      seen: (ref) => this.#informer.seen(ref),
      ...(this.#options.writeAttempts === undefined ? {} : { attempts: this.#options.writeAttempts }),
      ...(this.#options.writeRetryDelayMs === undefined ? {} : { retryDelayMs: this.#options.writeRetryDelayMs }),
    });
    const recordEvent = makeEventRecorder({ api: this.#api, log });
    const fromCache = <A>(cache: NamedObjectCache<A>, operation: string) =>
      Effect.tryPromise({
        try: () => cache.current(syncTimeoutMs),
        catch: (error) => new ClusterUnavailable({ operation, reason: error instanceof Error ? error.message : String(error) }),
      });
    const directory = this.#options.signingSecretsDirectory;
    const secret = this.#secret;
    return {
      runSource: {
        watchRuns: (onEvent) => Effect.sync(() => this.#informer.start(onEvent)),
        readRun: (ref) =>
          Effect.tryPromise({
            try: () => readRunObject(this.#api, this.version, ref),
            catch: (error) => new ClusterUnavailable({ operation: `read ${runKey(ref)}`, reason: describeApiError(error) }),
          }),
      },
      runWriter: { writeRun },
      configSource: {
        readConfig: () =>
          fromCache(this.#config, `read ConfigMap ${namespace}/${CONFIG_MAP_NAME}`).pipe(Effect.map((data) => data ?? {})),
        readSigningSecrets: () =>
          secret !== undefined
            ? fromCache(secret, `read Secret ${namespace}/${SIGNING_SECRET_NAME}`).pipe(
                Effect.map((snapshot) => snapshot ?? { version: "absent", files: new Map() }),
              )
            : readSigningSecretsDirectory(directory ?? "").pipe(
                Effect.mapError(
                  (error) => new ClusterUnavailable({ operation: `read signing secrets from ${error.directory}`, reason: error.reason }),
                ),
              ),
      },
      events: {
        recordEvent: (ref, event) =>
          Effect.promise(() =>
            recordEvent({ apiVersion: `${TEKTON_GROUP}/${this.version}`, kind: ref.kind, namespace: ref.namespace, name: ref.name, uid: this.#informer.uidOf(ref) }, event),
          ),
        recordConfigEvent: (event) =>
          Effect.promise(() =>
            recordEvent({ apiVersion: "v1", kind: "ConfigMap", namespace, name: CONFIG_MAP_NAME, uid: this.#config.uid() }, event),
          ),
      },
    };
  }

  /** Stops the config and secret watches (run watches stop with their RunWatch). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#config.stop();
    this.#secret?.stop();
    this.#api.close();
  }
}

/** A GET of one run; `undefined` when it does not exist. */
const readRunObject = async (api: KubeApi, version: TektonVersion, ref: RunRef): Promise<unknown> => {
  try {
    return await api.call((a) => a.json({ method: "GET", path: runPath(version, ref) }));
  } catch (error) {
    if (httpStatusOf(error) === 404) return undefined;
    throw error;
  }
};

export const configDataOf = (object: unknown): Readonly<Record<string, string>> => {
  const data = (object as { data?: unknown } | undefined)?.data;
  if (typeof data !== "object" || data === null) return {};
  return Object.fromEntries(Object.entries(data).filter((entry): entry is [string, string] => typeof entry[1] === "string"));
};

const secretSnapshotOf = (object: unknown): SecretSnapshot => {
  const secret = object as { data?: unknown; metadata?: { resourceVersion?: unknown } } | undefined;
  const data = typeof secret?.data === "object" && secret.data !== null ? secret.data : {};
  const files = new Map<string, Uint8Array>();
  for (const [name, value] of Object.entries(data)) {
    if (typeof value === "string") files.set(name, new Uint8Array(Buffer.from(value, "base64")));
  }
  const version = secret?.metadata?.resourceVersion;
  return { version: typeof version === "string" ? version : "unknown", files };
};
