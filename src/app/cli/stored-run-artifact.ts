import { Result } from "effect";
import { ClusterRuns } from "../../adapters/kubernetes/cluster-runs.ts";
import { CONFIG_MAP_NAME } from "../../adapters/kubernetes/kubernetes-cluster.ts";
import { runShortKey, SIGNED_ANNOTATION } from "../../domain/annotations/chains-annotations.ts";
import { parseChainsConfig } from "../../domain/config/parse-chains-config.ts";
import { storageLocation } from "../../domain/config/storage-location.ts";
import { decodeStdBase64 } from "../../domain/dsse/base64.ts";
import { isJsonObject } from "../../domain/oci/json-object.ts";
import type { CliCommand } from "./command.ts";
import { storedArtifactHelp, type StoredArtifactText } from "./stored-run-artifact-help.ts";
import { parseCommandLine } from "./command-line.ts";
import { clusterFailure } from "./cluster-failure.ts";
import { parseRunArgument, type RunArgument } from "./run-argument.ts";
import { UsageError } from "./usage-error.ts";

/** What `payload` and `signature` differ in. */
export interface StoredArtifact extends StoredArtifactText {
  /** The annotation that holds it, for a run's short key. */
  readonly annotation: (shortKey: string) => string;
}

interface Arguments {
  readonly run: RunArgument;
  readonly namespace: string | undefined;
  readonly kubeconfig: string | undefined;
  readonly chainsNamespace: string;
}

const parseArguments = (artifact: StoredArtifact, argv: ReadonlyArray<string>): Arguments => {
  const values = new Map<string, string>();
  const positional = parseCommandLine(
    argv,
    ["-n", "--namespace", "--kubeconfig", "--chains-namespace"],
    (flag, value) => {
      const key = flag === "-n" ? "--namespace" : flag;
      if (value === "") throw new UsageError(`${flag} needs a value`);
      if (values.has(key)) throw new UsageError(`${flag} given more than once`);
      values.set(key, value);
    },
    Object.fromEntries(artifact.ignoredSwitches.map((flag) => [flag, () => undefined])),
  );
  if (positional.length !== 1) throw new UsageError(`expected exactly one RUN (taskrun/NAME or pipelinerun/NAME), got ${positional.length}`);
  const text = positional[0]!;
  // A bare name is a TaskRun, as `tkn chain` reads it.
  const run = text.includes("/") ? parseRunArgument(text) : text === "" ? undefined : { kind: "TaskRun" as const, name: text };
  if (run === undefined) throw new UsageError(`${text}: expected taskrun/NAME or pipelinerun/NAME`);
  return {
    run,
    namespace: values.get("--namespace"),
    kubeconfig: values.get("--kubeconfig"),
    chainsNamespace: values.get("--chains-namespace") ?? (process.env["SYSTEM_NAMESPACE"] || "tekton-chains"),
  };
};

/** Why a run carries no `artifact` annotation, from its signing state and the configured storage. */
const whyMissing = async (cluster: ClusterRuns, args: Arguments, annotations: Readonly<Record<string, unknown>>, what: string): Promise<string> => {
  const kind = args.run.kind === "TaskRun" ? "taskrun" : "pipelinerun";
  let data: Readonly<Record<string, string>> | undefined;
  try {
    data = await cluster.configMapData(args.chainsNamespace, CONFIG_MAP_NAME);
  } catch (error) {
    const reason = clusterFailure(error);
    if (reason === undefined) throw error;
    return `${reason} (to see where artifacts.${kind}.storage keeps ${what}s, or pass --chains-namespace)`;
  }
  const parsed = parseChainsConfig(data ?? {});
  if (Result.isFailure(parsed)) return `ConfigMap ${args.chainsNamespace}/${CONFIG_MAP_NAME} is invalid: ${parsed.failure.message}`;
  const config = parsed.success.config;
  const storage = config.artifacts[kind].storage;
  const key = `artifacts.${kind}.storage`;
  if (storage.length === 0) return `${key} is "" in ${args.chainsNamespace}/${CONFIG_MAP_NAME}: signing ${args.run.kind}s is disabled`;
  const signed = annotations[SIGNED_ANNOTATION];
  if (storage.includes("tekton")) {
    const state =
      signed === undefined
        ? `the run is not signed yet (no ${SIGNED_ANNOTATION} annotation)`
        : signed === "failed"
          ? `signing failed (${SIGNED_ANNOTATION}=failed; the run's Events say why)`
          : `the run is signed (${SIGNED_ANNOTATION}=${String(signed)}) but its ${what} is not on it: ${key} changed since, or the annotation was removed`;
    return `${state}; ${key} is ${storage.join(",")}`;
  }
  return `${key} is ${storage.join(",")}, which keeps ${what}s off the run; look in ${storage.map((b) => storageLocation(b, config)).join("; and in ")}`;
};

const run = (artifact: StoredArtifact) => async (argv: ReadonlyArray<string>): Promise<number> => {
  const args = parseArguments(artifact, argv);
  const fail = (message: string): number => {
    process.stderr.write(`chains-ts ${artifact.name}: ${message}\n`);
    return 1;
  };
  let cluster: ClusterRuns | undefined;
  try {
    cluster = await ClusterRuns.connect(args.kubeconfig);
    const namespace = args.namespace ?? cluster.defaultNamespace;
    const object = await cluster.getRun({ ...args.run, namespace });
    if (object === undefined) return fail(`no ${args.run.kind} ${args.run.name} in namespace ${namespace}`);
    const metadata = isJsonObject(object) && isJsonObject(object["metadata"]) ? object["metadata"] : {};
    const annotations = isJsonObject(metadata["annotations"]) ? metadata["annotations"] : {};
    const uid = typeof metadata["uid"] === "string" ? metadata["uid"] : "";
    const name = artifact.annotation(runShortKey(args.run.kind, uid));
    const value = annotations[name];
    const where = `${args.run.kind} ${namespace}/${args.run.name}`;
    if (typeof value !== "string") return fail(`no ${artifact.name} stored on ${where} (no ${name} annotation): ${await whyMissing(cluster, args, annotations, artifact.name)}`);
    const bytes = decodeStdBase64(value);
    if (bytes === undefined) return fail(`${where}: ${name} is not base64`);
    process.stdout.write(bytes);
    return 0;
  } catch (error) {
    const reason = clusterFailure(error);
    if (reason === undefined) throw error;
    return fail(reason);
  } finally {
    cluster?.close();
  }
};

/** `chains-ts payload` / `chains-ts signature`: one annotation of a run in the cluster, decoded, as `tkn chain` prints it. */
export const storedArtifactCommand = (artifact: StoredArtifact): CliCommand => ({
  ...storedArtifactHelp(artifact),
  run: run(artifact),
});
