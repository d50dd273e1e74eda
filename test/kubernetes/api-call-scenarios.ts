import type { RunJson } from "../../src/adapters/memory/run-json.ts";
import { sampleRuns } from "../../src/app/demo/sample-runs.ts";
import type { JsonObject } from "../support/kube-api-emulator/index.ts";
import { EmulatedChains, NAMESPACE, plainTaskRun, type RunResource } from "./emulated-chains.ts";
import { until } from "../support/until.ts";

/** Requests the controller sent about one run (its own object, not lists or watches), and Events about it. */
export interface RunCalls {
  readonly patch: number;
  readonly get: number;
  readonly otherWrites: number;
  readonly events: number;
}

export const callsOn = (c: EmulatedChains, resource: RunResource, name: string): RunCalls => ({
  patch: c.emu.requestLog.count({ verb: "patch", resource, namespace: NAMESPACE, name }),
  get: c.emu.requestLog.count({ verb: "get", resource, namespace: NAMESPACE, name }),
  otherWrites: c.emu.requestLog.writes({ resource, namespace: NAMESPACE, name }).filter((w) => w.method !== "PATCH").length,
  events: (c.emu.store.list("events", NAMESPACE) as unknown as Array<{ involvedObject: { name: string } }>).filter((e) => e.involvedObject.name === name)
    .length,
});

const asSeed = (run: RunJson): JsonObject => run as unknown as JsonObject;

/**
 * The three runs of issue 14's table, each on a fresh emulator and controller; every scenario
 * stops the controller (which waits for passes in flight) before counting, and leaves `chains`
 * for the caller to check and stop.
 */
export const apiCallScenarios = {
  /** A TaskRun completed before the controller started. */
  backlogTaskRun: async (chains: EmulatedChains): Promise<RunCalls> => {
    chains.emu.store.seed(plainTaskRun("backlog"));
    chains.complete("taskruns", "backlog");
    await chains.startController();
    await chains.awaitSigned("taskruns", "backlog");
    await chains.stopController();
    return callsOn(chains, "taskruns", "backlog");
  },
  /** A PipelineRun and its 2 child TaskRuns, completed before the controller started: the calls of all 3. */
  backlogPipelineRun: async (chains: EmulatedChains): Promise<ReadonlyArray<RunCalls>> => {
    const { taskRuns, pipelineRun } = sampleRuns();
    const children = taskRuns.slice(2);
    chains.emu.store.seed(asSeed(pipelineRun), ...children.map(asSeed));
    for (const child of children) chains.complete("taskruns", child.metadata.name);
    chains.complete("pipelineruns", pipelineRun.metadata.name);
    await chains.startController();
    for (const child of children) await chains.awaitSigned("taskruns", child.metadata.name);
    await chains.awaitSigned("pipelineruns", pipelineRun.metadata.name);
    await chains.stopController();
    return [callsOn(chains, "pipelineruns", pipelineRun.metadata.name), ...children.map((c) => callsOn(chains, "taskruns", c.metadata.name))];
  },
  /** A TaskRun created while the controller runs, completed once its finalizer is on. */
  watchedTaskRun: async (chains: EmulatedChains): Promise<RunCalls> => {
    await chains.startController();
    chains.emu.store.seed(plainTaskRun("watched"));
    await until(() => chains.finalizers("taskruns", "watched").includes("chains.tekton.dev/taskrun"), "the finalizer");
    chains.complete("taskruns", "watched");
    await chains.awaitSigned("taskruns", "watched");
    await chains.stopController();
    return callsOn(chains, "taskruns", "watched");
  },
};
