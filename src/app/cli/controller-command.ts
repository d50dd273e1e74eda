import { existsSync, statSync } from "node:fs";
import { parseArgs } from "node:util";
import { Cause, Context, Effect, Exit, Fiber, Layer, type LogLevel, Scope } from "effect";
import { KubeConfigUnusable, loadKubeConfig } from "../../adapters/kubernetes/kube-config.ts";
import { KubernetesCluster } from "../../adapters/kubernetes/kubernetes-cluster.ts";
import { KubernetesConnection } from "../../adapters/kubernetes/kubernetes-connection.ts";
import { TektonApiMissing } from "../../adapters/kubernetes/tekton-api-version.ts";
import { ConfigInvalid } from "../../domain/config/config-invalid.ts";
import { LeaderElectionConfigInvalid } from "../../domain/leader-election/leader-election-config.ts";
import { ClusterUnavailable } from "../../ports/cluster.ts";
import { ControllerSettings, controllerSettingsLayer } from "../composition/controller-settings.ts";
import {
  adapterLogTo,
  clusterControllerLayer,
  controllerLogsLayer,
  kubernetesAdapters,
  kubernetesBackendsLayer,
  kubernetesClusterLayer,
  kubernetesConnectionLayer,
  leasesLayer,
} from "../composition/layers.ts";
import { runningControllerLayer } from "../composition/running-controller.ts";
import { defaultControllerOptions } from "../controller/run-controller.ts";
import type { CliCommand } from "./command.ts";
import { controllerHelp, DEFAULT_SECRETS_MOUNT } from "./controller-command-help.ts";
import { UsageError } from "./usage-error.ts";
import { PrometheusMetrics } from "../../adapters/prometheus/prometheus-metrics.ts";
import { Observability, ObservabilityUnavailable, observabilityServersLayer } from "../observability/observability-servers.ts";


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
  error instanceof ObservabilityUnavailable
    ? `cannot serve probes or metrics: ${error.reason}`
    : error instanceof KubeConfigUnusable || error instanceof TektonApiMissing || error instanceof LeaderElectionConfigInvalid || error instanceof ConfigInvalid
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

  // Loading while the start-up reads below wait for the API server; the backends layer reports a failure.
  kubernetesAdapters().catch(() => undefined);
  // Listening from the start: a SIGTERM while start-up reads wait for the API stops them.
  const stopping = stopSignal();
  const metrics = new PrometheusMetrics();
  // Everything the process holds is one layer graph, built in this one scope and released when it
  // closes, in reverse order (see clusterControllerLayer).
  const resources = Scope.makeUnsafe();
  const controller = clusterControllerLayer({
    servers: observabilityServersLayer({ healthPort: args.healthPort, metricsPort: args.metricsPort, metrics }),
    connection: kubernetesConnectionLayer(
      Effect.try({
        try: () => loadKubeConfig({ ...(args.kubeconfig === undefined ? {} : { kubeconfig: args.kubeconfig }), env }),
        catch: (error) => error,
      }).pipe(
        Effect.flatMap((kubeConfig) =>
          KubernetesCluster.scoped({
            kubeConfig,
            systemNamespace,
            namespaces: args.namespaces,
            qps: args.qps,
            burst: args.burst,
            ...(secretsDirectory === undefined ? {} : { signingSecretsDirectory: secretsDirectory }),
            log: logLine,
          }),
        ),
      ),
      logLine,
    ),
    cluster: kubernetesClusterLayer,
    settings: controllerSettingsLayer({
      env,
      systemNamespace,
      disableHa: args.disableHa,
      log: logLine,
      onLogLevel: (level) => {
        minimumLogLevel = level;
      },
    }),
    backends: Layer.merge(kubernetesBackendsLayer({ metrics, env, trustedRoot: args.trustedRoot, log: logLine }), controllerLogsLayer),
    leases: leasesLayer({ env, log: logLine }),
    controller: runningControllerLayer({ ...defaultControllerOptions, workers: 2 * args.threads, namespaces: args.namespaces }),
  });
  const startUp = Effect.gen(function* () {
    const started = yield* Layer.build(controller);
    Context.get(started, Observability).markReady();
    const { election } = Context.get(started, ControllerSettings);
    logLine(
      "info",
      `chains-ts controller started: tekton.dev/${Context.get(started, KubernetesConnection).version}, ${args.namespaces.length === 0 ? "all namespaces" : `namespaces ${args.namespaces.join(", ")}`}, ` +
        `signing secrets from ${secretsDirectory ?? `Secret ${systemNamespace}/signing-secrets`}, ` +
        (election === undefined ? "leader election disabled" : "signing once this replica holds the leader Leases"),
    );
  });
  const starting = Effect.runFork(Scope.provide(resources)(startUp));
  const release = () => Effect.runPromise(Scope.close(resources, Exit.void));

  const started = await Promise.race([stopping, Effect.runPromise(Fiber.await(starting))]);
  if (typeof started !== "string" && Exit.isFailure(started)) {
    await release();
    const error = Cause.squash(started.cause);
    const message = refusal(error);
    if (message === undefined) throw error;
    return fail(message);
  }
  const signal = typeof started === "string" ? started : await stopping;
  logLine("info", `${signal}: stopping`);
  // Stops the start-up reads still waiting, if any, before the scope releases what they acquired.
  await Effect.runPromise(Fiber.interrupt(starting));
  await release();
  logLine("info", "stopped");
  return 0;
};

export const controllerCommand: CliCommand = {
  ...controllerHelp,
  run: runController,
};
