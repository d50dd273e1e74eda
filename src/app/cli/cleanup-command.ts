import { ClusterRuns } from "../../adapters/kubernetes/cluster-runs.ts";
import { CHAINS_FINALIZERS } from "../../domain/annotations/chains-annotations.ts";
import { isJsonObject } from "../../domain/oci/json-object.ts";
import { chainsFinalizerRemoval } from "../../domain/run/finalizer-removal.ts";
import type { RunKind } from "../../domain/run/run-object.ts";
import type { RunRef } from "../../domain/run/run-ref.ts";
import { cleanupHelp } from "./cleanup-command-help.ts";
import type { CliCommand } from "./command.ts";
import { parseCommandLine } from "./command-line.ts";
import { clusterFailure } from "./cluster-failure.ts";
import { UsageError } from "./usage-error.ts";


interface Arguments {
  readonly namespace: string | undefined;
  readonly dryRun: boolean;
  readonly kubeconfig: string | undefined;
}

const parseArguments = (argv: ReadonlyArray<string>): Arguments => {
  const values = new Map<string, string>();
  let allNamespaces = false;
  let dryRun = false;
  const positional = parseCommandLine(
    argv,
    ["-n", "--namespace", "--kubeconfig"],
    (flag, value) => {
      const key = flag === "-n" ? "--namespace" : flag;
      if (value === "") throw new UsageError(`${flag} needs a value`);
      if (values.has(key)) throw new UsageError(`${flag} given more than once`);
      values.set(key, value);
    },
    {
      "-A": () => (allNamespaces = true),
      "--all-namespaces": () => (allNamespaces = true),
      "--dry-run": () => (dryRun = true),
    },
  );
  if (positional.length > 0) throw new UsageError(`unexpected argument ${positional[0]}`);
  const namespace = values.get("--namespace");
  if (namespace !== undefined && allNamespaces) throw new UsageError("--namespace and --all-namespaces contradict each other");
  return { namespace, dryRun, kubeconfig: values.get("--kubeconfig") };
};

/** A run's reference and finalizers, or undefined for an object that is not a named run. */
const runState = (kind: RunKind, object: unknown): { readonly ref: RunRef; readonly finalizers: ReadonlyArray<unknown> } | undefined => {
  const metadata = isJsonObject(object) && isJsonObject(object["metadata"]) ? object["metadata"] : undefined;
  const name = metadata?.["name"];
  const namespace = metadata?.["namespace"];
  if (typeof name !== "string" || typeof namespace !== "string") return undefined;
  const finalizers = metadata?.["finalizers"];
  return { ref: { kind, namespace, name }, finalizers: Array.isArray(finalizers) ? finalizers : [] };
};

/** Attempts per run when its finalizer list keeps changing between the read and the patch. */
const ATTEMPTS = 5;

type Cleaned = { readonly _tag: "removed"; readonly finalizers: ReadonlyArray<string> } | { readonly _tag: "none" } | { readonly _tag: "contended" };

type RunState = NonNullable<ReturnType<typeof runState>>;

const cleanRun = async (cluster: ClusterRuns, listed: RunState): Promise<Cleaned> => {
  let state: RunState | undefined = listed;
  for (let attempt = 1; state !== undefined; attempt++) {
    const removal = chainsFinalizerRemoval(state.finalizers);
    if (removal === undefined) return { _tag: "none" };
    if ((await cluster.patchRun(state.ref, removal.patch)) === "applied") return { _tag: "removed", finalizers: removal.removed };
    if (attempt === ATTEMPTS) return { _tag: "contended" };
    const fresh = await cluster.getRun(state.ref);
    state = fresh === undefined ? undefined : runState(state.ref.kind, fresh);
  }
  // Gone since it was listed: nothing left to clean.
  return { _tag: "none" };
};

const describeRef = (ref: RunRef): string => `${ref.kind} ${ref.namespace}/${ref.name}`;

const run = async (argv: ReadonlyArray<string>): Promise<number> => {
  const args = parseArguments(argv);
  let cluster: ClusterRuns | undefined;
  let runs = 0;
  let finalizers = 0;
  let failed = 0;
  try {
    cluster = await ClusterRuns.connect(args.kubeconfig);
    for (const kind of ["TaskRun", "PipelineRun"] as const) {
      for (const listed of await cluster.listRuns(kind, args.namespace)) {
        const state = runState(kind, listed);
        if (state === undefined) continue;
        if (args.dryRun) {
          const removal = chainsFinalizerRemoval(state.finalizers);
          if (removal === undefined) continue;
          process.stdout.write(`would remove ${removal.removed.join(",")} from ${describeRef(state.ref)}\n`);
          runs++;
          finalizers += removal.removed.length;
          continue;
        }
        const cleaned = await cleanRun(cluster, state);
        if (cleaned._tag === "none") continue;
        if (cleaned._tag === "contended") {
          failed++;
          process.stderr.write(`chains-ts cleanup: ${describeRef(state.ref)}: its finalizers kept changing; run cleanup again\n`);
          continue;
        }
        process.stdout.write(`removed ${cleaned.finalizers.join(",")} from ${describeRef(state.ref)}\n`);
        runs++;
        finalizers += cleaned.finalizers.length;
      }
    }
  } catch (error) {
    const reason = clusterFailure(error);
    if (reason === undefined) throw error;
    process.stderr.write(`chains-ts cleanup: ${reason}\n`);
    return 1;
  } finally {
    cluster?.close();
  }
  const where = args.namespace === undefined ? "in all namespaces" : `in namespace ${args.namespace}`;
  process.stdout.write(`${args.dryRun ? "would remove" : "removed"} ${finalizers} Chains finalizers from ${runs} runs ${where}\n`);
  return failed > 0 ? 1 : 0;
};

export const cleanupCommand: CliCommand = { ...cleanupHelp, run };
