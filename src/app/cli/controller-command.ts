import { existsSync, statSync } from "node:fs";
import { parseArgs } from "node:util";
import { Cause, Effect, Exit, LogLevel, Result, Scope } from "effect";
import { KubeConfigUnusable, loadKubeConfig } from "../../adapters/kubernetes/kube-config.ts";
import { CONFIG_MAP_NAME, KubernetesCluster } from "../../adapters/kubernetes/kubernetes-cluster.ts";
import { TektonApiMissing } from "../../adapters/kubernetes/tekton-api-version.ts";
import { ConfigInvalid } from "../../domain/config/config-invalid.ts";
import { parseChainsConfig } from "../../domain/config/parse-chains-config.ts";
import {
  LEADER_ELECTION_CONFIG_MAP,
  LeaderElectionConfigInvalid,
  type LeaderElectionConfig,
  parseLeaderElectionConfig,
} from "../../domain/leader-election/leader-election-config.ts";
import { ClusterUnavailable } from "../../ports/cluster.ts";
import { type LeaseLeadership, startLeaseLeadership } from "../leadership/lease-leadership.ts";
import { replicaIdentity } from "../leadership/replica-identity.ts";
import { adapterLogTo, kubernetesAdapters, kubernetesParts } from "../composition/layers.ts";
import { startController } from "../composition/start-controller.ts";
import { retryStartupRead } from "../composition/startup-read.ts";
import { defaultControllerOptions } from "../controller/run-controller.ts";
import type { CliCommand } from "./command.ts";
import { controllerHelp, DEFAULT_SECRETS_MOUNT } from "./controller-command-help.ts";
import { UsageError } from "./usage-error.ts";
import { PrometheusMetrics } from "../../adapters/prometheus/prometheus-metrics.ts";
import { ObservabilityUnavailable, observabilityServers } from "../observability/observability-servers.ts";
import { LOGGING_CONFIG_MAP, parseLoggingConfig } from "../../domain/observability/logging-config.ts";
import { OBSERVABILITY_CONFIG_MAP, observabilityConfigWarnings } from "../../domain/observability/observability-config.ts";


const help = controllerHelp.help;

interface ControllerArgs {
  readonly kubeconfig: string | undefined;
  readonly healthPort: number;
  readonly metricsPort: number;
  readonly namespaces: ReadonlyArray<string>;
  readonly threads: number;
  readonly qps: number;
  readonly burst: number;
  readonly signingSecrets: string | undefined;
  readonly trustedRoot: string | undefined;
  readonly disableHa: boolean;
}

const positiveNumber = (flag: string, text: string, integer: boolean): number => {
  const value = Number(text);
  if (text.trim() === "" || !Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    throw new UsageError(`${flag} must be a positive ${integer ? "integer" : "number"}, got ${JSON.stringify(text)}`);
  }
  return value;
};

const port = (flag: string, text: string): number => {
  const value = Number(text);
  if (!/^\d+$/.test(text) || value > 65535) throw new UsageError(`${flag} must be a port number (0-65535), got ${JSON.stringify(text)}`);
  return value;
};

const parseControllerArgs = (argv: ReadonlyArray<string>, env: NodeJS.ProcessEnv): ControllerArgs => {
  let parsed: Record<string, string | boolean | undefined>;
  try {
    ({ values: parsed } = parseArgs({
      args: [...argv],
      options: {
        kubeconfig: { type: "string" },
        namespace: { type: "string" },
        "threads-per-controller": { type: "string" },
        "kube-api-qps": { type: "string" },
        "kube-api-burst": { type: "string" },
        "signing-secrets": { type: "string" },
        "trusted-root": { type: "string" },
        "health-port": { type: "string" },
        "metrics-port": { type: "string" },
        "disable-ha": { type: "boolean" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const disableHa = parsed["disable-ha"] === true;
  const values = Object.fromEntries(Object.entries(parsed).filter((entry): entry is [string, string] => typeof entry[1] === "string"));
  const qps = values["kube-api-qps"] ?? env["KUBE_API_QPS"];
  const burst = values["kube-api-burst"] ?? env["KUBE_API_BURST"];
  return {
    kubeconfig: values["kubeconfig"],
    healthPort: port("--health-port", values["health-port"] ?? "8080"),
    metricsPort: port("--metrics-port", values["metrics-port"] ?? "9090"),
    namespaces: (values["namespace"] ?? "")
      .replace(/\s+/g, "")
      .split(",")
      .filter((ns) => ns !== ""),
    threads: positiveNumber("--threads-per-controller", values["threads-per-controller"] ?? "2", true),
    qps: positiveNumber("--kube-api-qps", qps ?? "20", false),
    burst: positiveNumber("--kube-api-burst", burst ?? "20", true),
    signingSecrets: values["signing-secrets"],
    trustedRoot: values["trusted-root"],
    disableHa,
  };
};

/** The logging ConfigMap's level once read; Info before (start-up lines are always useful). */
let minimumLogLevel: LogLevel.LogLevel = "Info";

/** The command's own lines and the adapters', through the controller's logger. */
const logLine = adapterLogTo(() => minimumLogLevel);

const directoryExists = (path: string): boolean => existsSync(path) && statSync(path).isDirectory();

/** Resolves when the process is asked to stop. */
const stopSignal = (): Promise<string> =>
  new Promise((resolve) => {
    const onSignal = (signal: string) => {
      process.off("SIGTERM", onSignal);
      process.off("SIGINT", onSignal);
      resolve(signal);
    };
    process.on("SIGTERM", onSignal);
    process.on("SIGINT", onSignal);
  });

const fail = (message: string): number => {
  process.stderr.write(`chains-ts controller: ${message}\n`);
  return 1;
};

/** Why the process cannot start, when retrying cannot help (the message names what to fix). */
const refusal = (error: unknown): string | undefined =>
  error instanceof KubeConfigUnusable || error instanceof TektonApiMissing || error instanceof LeaderElectionConfigInvalid || error instanceof ConfigInvalid
    ? error.message
    : error instanceof ClusterUnavailable
      ? `${error.operation}: ${error.reason}`
      : undefined;

const runController = async (argv: ReadonlyArray<string>): Promise<number> => {
  const env = process.env;
  let args: ControllerArgs;
  try {
    args = parseControllerArgs(argv, env);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`chains-ts controller: ${error.message}\n\n${help}\n`);
    return 2;
  }
  let secretsDirectory = args.signingSecrets;
  if (secretsDirectory !== undefined && !directoryExists(secretsDirectory)) {
    return fail(`--signing-secrets ${secretsDirectory}: no such directory`);
  }
  if (secretsDirectory === undefined && directoryExists(DEFAULT_SECRETS_MOUNT)) secretsDirectory = DEFAULT_SECRETS_MOUNT;
  const systemNamespace = env["SYSTEM_NAMESPACE"] ?? "tekton-chains";
  if (args.trustedRoot !== undefined && !existsSync(args.trustedRoot)) return fail(`--trusted-root ${args.trustedRoot}: no such file`);

  // Loading while the start-up reads below wait for the API server; kubernetesParts reports a failure.
  kubernetesAdapters().catch(() => undefined);
  // Listening from the start: a SIGTERM while start-up reads wait for the API stops them.
  const stopping = stopSignal();
  const interrupted = new AbortController();
  void stopping.then(() => interrupted.abort());
  const metrics = new PrometheusMetrics();
  // What the process holds, each released when the scope closes, in reverse order: the Leases
  // handed back first, then the API connections, then the probe and metrics servers.
  const resources = Scope.makeUnsafe();
  const hold = <A, E>(resource: Effect.Effect<A, E, Scope.Scope>) => Effect.runPromiseExit(Scope.provide(resources)(resource));
  const holdNow = <A>(resource: Effect.Effect<A, never, Scope.Scope>) => Effect.runSync(Scope.provide(resources)(resource));
  const release = () => Effect.runPromise(Scope.close(resources, Exit.void));
  // Before the start-up reads, so /healthz answers (and the liveness probe passes) while they wait.
  const served = await hold(observabilityServers({ healthPort: args.healthPort, metricsPort: args.metricsPort, metrics }));
  if (Exit.isFailure(served)) {
    const error = Cause.squash(served.cause);
    return fail(`cannot serve probes or metrics: ${error instanceof ObservabilityUnavailable ? error.reason : String(error)}`);
  }
  const observability = served.value;
  let leadership: LeaseLeadership | undefined;
  const stopped = async (signal: string) => {
    logLine("info", `${signal}: stopping`);
    await release();
    logLine("info", "stopped");
    return 0;
  };
  /** A start-up read, retried while the API server gives no usable answer; undefined once stopped. */
  const startupRead = async <A>(what: string, read: Effect.Effect<A, unknown>): Promise<Result.Result<A, unknown> | undefined> => {
    const exit = await Effect.runPromiseExit(retryStartupRead(what, read, logLine), { signal: interrupted.signal });
    if (Exit.isSuccess(exit)) return Result.succeed(exit.value);
    return interrupted.signal.aborted ? undefined : Result.fail(Cause.squash(exit.cause));
  };
  const refused = async (error: unknown): Promise<number> => {
    const message = refusal(error);
    await release();
    if (message === undefined) throw error;
    return fail(message);
  };

  const connected = await startupRead(
    "API discovery (/apis)",
    Effect.tryPromise({
      try: async (signal) => {
        const connecting = await KubernetesCluster.connect({
          kubeConfig: loadKubeConfig({ ...(args.kubeconfig === undefined ? {} : { kubeconfig: args.kubeconfig }), env }),
          systemNamespace,
          namespaces: args.namespaces,
          qps: args.qps,
          burst: args.burst,
          ...(secretsDirectory === undefined ? {} : { signingSecretsDirectory: secretsDirectory }),
          log: logLine,
        });
        // Stopped while discovery was answering: nobody will close this one.
        if (signal.aborted) connecting.close();
        return connecting;
      },
      catch: (error) => error,
    }),
  );
  if (connected === undefined) return stopped(await stopping);
  if (Result.isFailure(connected)) return refused(connected.failure);
  const kube = connected.success;
  holdNow(Effect.acquireRelease(Effect.succeed(kube), (connection) => Effect.sync(() => connection.close())));
  const ports = kube.ports();

  let election: LeaderElectionConfig | undefined;
  if (!args.disableHa) {
    const configMap = env["CONFIG_LEADERELECTION_NAME"] ?? LEADER_ELECTION_CONFIG_MAP;
    const data = await startupRead(
      `ConfigMap ${systemNamespace}/${configMap}`,
      Effect.tryPromise({ try: () => kube.readStartupConfigMap(configMap), catch: (error) => error }),
    );
    if (data === undefined) return stopped(await stopping);
    if (Result.isFailure(data)) return refused(data.failure);
    const parsed = parseLeaderElectionConfig(data.success, configMap);
    if (Result.isFailure(parsed)) return refused(parsed.failure);
    election = parsed.success;
  }
  // Tekton Chains' logging and observability ConfigMaps (config.md §1), read at start-up; absent ones mean defaults.
  const loggingConfigMap = env["CONFIG_LOGGING_NAME"] ?? LOGGING_CONFIG_MAP;
  const observabilityConfigMap = env["CONFIG_OBSERVABILITY_NAME"] ?? OBSERVABILITY_CONFIG_MAP;
  const observed = await startupRead(
    `ConfigMaps ${systemNamespace}/${loggingConfigMap} and ${observabilityConfigMap}`,
    Effect.tryPromise({
      try: () => Promise.all([kube.readStartupConfigMap(loggingConfigMap), kube.readStartupConfigMap(observabilityConfigMap)]),
      catch: (error) => error,
    }),
  );
  if (observed === undefined) return stopped(await stopping);
  if (Result.isFailure(observed)) return refused(observed.failure);
  const logging = parseLoggingConfig(observed.success[0], loggingConfigMap);
  minimumLogLevel = logging.minimumLevel;
  for (const warning of [...logging.warnings, ...observabilityConfigWarnings(observed.success[1], observabilityConfigMap)]) logLine("warning", warning);
  // Read once here so that an unreachable API is waited for; startController then reads it from the synced cache.
  const config = await startupRead(`ConfigMap ${systemNamespace}/${CONFIG_MAP_NAME}`, ports.configSource.readConfig());
  if (config === undefined) return stopped(await stopping);
  if (Result.isFailure(config)) return refused(config.failure);
  // Only now, so that a replica waiting for the API never holds the Leases without signing.
  if (election !== undefined) {
    const leases = { store: kube.leaseStore(), identity: replicaIdentity(env), ...election, log: logLine };
    leadership = holdNow(
      Effect.acquireRelease(Effect.sync(() => startLeaseLeadership(leases)), (held) => Effect.promise(() => held.stop({ release: true }))),
    );
  }

  const started = await startController(
    await kubernetesParts({ cluster: kube, metrics, env, trustedRoot: args.trustedRoot, log: logLine, logLevel: minimumLogLevel }),
    {
      ...defaultControllerOptions,
      workers: 2 * args.threads,
      namespaces: args.namespaces,
      ...(leadership === undefined ? {} : { leadership }),
    },
  );
  if (Result.isFailure(started)) return refused(started.failure);
  const running = started.success;
  observability.markReady();
  logLine(
    "info",
    `chains-ts controller started: tekton.dev/${kube.version}, ${args.namespaces.length === 0 ? "all namespaces" : `namespaces ${args.namespaces.join(", ")}`}, ` +
      `signing secrets from ${secretsDirectory ?? `Secret ${systemNamespace}/signing-secrets`}, ` +
      (leadership === undefined ? "leader election disabled" : "signing once this replica holds the leader Leases"),
  );
  const signal = await stopping;
  logLine("info", `${signal}: stopping`);
  // Passes in flight finish while the Leases are still held; then a standby may take over at once.
  await running.stop();
  await release();
  logLine("info", "stopped");
  return 0;
};

export const controllerCommand: CliCommand = {
  ...controllerHelp,
  run: runController,
};
