import { Context, Effect, Layer, type LogLevel } from "effect";
import type { AdapterLog } from "../../adapters/kubernetes/adapter-log.ts";
import { CONFIG_MAP_NAME } from "../../adapters/kubernetes/kubernetes-cluster.ts";
import { KubernetesConnection } from "../../adapters/kubernetes/kubernetes-connection.ts";
import {
  LEADER_ELECTION_CONFIG_MAP,
  type LeaderElectionConfig,
  parseLeaderElectionConfig,
} from "../../domain/leader-election/leader-election-config.ts";
import { LOGGING_CONFIG_MAP, parseLoggingConfig } from "../../domain/observability/logging-config.ts";
import { OBSERVABILITY_CONFIG_MAP, observabilityConfigWarnings } from "../../domain/observability/observability-config.ts";
import { ConfigSource } from "../../ports/config-source.ts";
import { retryStartupRead } from "./startup-read.ts";

/** What the controller reads once at start-up besides chains-config: leader election and the log level. */
export class ControllerSettings extends Context.Service<
  ControllerSettings,
  {
    /** `undefined` under `--disable-ha`. */
    readonly election: LeaderElectionConfig | undefined;
    readonly logLevel: LogLevel.LogLevel;
  }
>()("chains-ts/ControllerSettings") {}

export interface ControllerSettingsInput {
  readonly env: NodeJS.ProcessEnv;
  readonly systemNamespace: string;
  readonly disableHa: boolean;
  readonly log: AdapterLog;
  /** Told the logging ConfigMap's level as soon as it is read, for the lines logged outside Effect. */
  readonly onLogLevel: (level: LogLevel.LogLevel) => void;
}

/**
 * The start-up reads, each retried while the API server gives no usable answer: the leader-election
 * ConfigMap, Tekton Chains' logging and observability ConfigMaps (config.md §1; absent ones mean
 * defaults), and `chains-config`, read once here so that an unreachable API is waited for (the
 * controller then reads it from the synced cache).
 */
export const controllerSettingsLayer = (
  input: ControllerSettingsInput,
): Layer.Layer<ControllerSettings, unknown, KubernetesConnection | ConfigSource> =>
  Layer.effect(ControllerSettings)(
    Effect.gen(function* () {
      const { env, systemNamespace, log } = input;
      const kube = yield* KubernetesConnection;
      const startupRead = <A, E, R>(what: string, read: Effect.Effect<A, E, R>) => retryStartupRead(what, read, log);
      const readConfigMaps = (names: ReadonlyArray<string>) =>
        Effect.tryPromise({ try: () => Promise.all(names.map((name) => kube.readStartupConfigMap(name))), catch: (error) => error });
      let election: LeaderElectionConfig | undefined;
      if (!input.disableHa) {
        const configMap = env["CONFIG_LEADERELECTION_NAME"] ?? LEADER_ELECTION_CONFIG_MAP;
        const [data] = yield* startupRead(`ConfigMap ${systemNamespace}/${configMap}`, readConfigMaps([configMap]));
        election = yield* Effect.fromResult(parseLeaderElectionConfig(data ?? {}, configMap));
      }
      const loggingConfigMap = env["CONFIG_LOGGING_NAME"] ?? LOGGING_CONFIG_MAP;
      const observabilityConfigMap = env["CONFIG_OBSERVABILITY_NAME"] ?? OBSERVABILITY_CONFIG_MAP;
      const [loggingData, observabilityData] = yield* startupRead(
        `ConfigMaps ${systemNamespace}/${loggingConfigMap} and ${observabilityConfigMap}`,
        readConfigMaps([loggingConfigMap, observabilityConfigMap]),
      );
      const logging = parseLoggingConfig(loggingData ?? {}, loggingConfigMap);
      input.onLogLevel(logging.minimumLevel);
      for (const warning of [...logging.warnings, ...observabilityConfigWarnings(observabilityData ?? {}, observabilityConfigMap)]) log("warning", warning);
      yield* startupRead(`ConfigMap ${systemNamespace}/${CONFIG_MAP_NAME}`, (yield* ConfigSource).readConfig());
      return { election, logLevel: logging.minimumLevel };
    }),
  );
