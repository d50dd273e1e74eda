import { KubeConfig } from "@kubernetes/client-node";
import { expect } from "vitest";
import { KubernetesCluster } from "../../src/adapters/kubernetes/kubernetes-cluster.ts";
import type { RunJson } from "../../src/adapters/memory/run-json.ts";
import type { RunRef } from "../../src/domain/run/run-ref.ts";
import { type JsonObject, startKubeApiEmulator } from "../support/kube-api-emulator/index.ts";
import { clusterContract, type ObservedEvent } from "./cluster-contract.ts";
import { eventually } from "../support/until.ts";

const SYSTEM_NAMESPACE = "tekton-chains";

const resourceOf = (ref: RunRef) => (ref.kind === "TaskRun" ? "taskruns" : "pipelineruns");

clusterContract("the Kubernetes adapter on the API emulator", async () => {
  const emu = await startKubeApiEmulator({ bookmarkIntervalMs: 200 });
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromString(emu.kubeconfig());
  const cluster = await KubernetesCluster.connect({
    kubeConfig,
    systemNamespace: SYSTEM_NAMESPACE,
    timing: { watchTimeoutSeconds: 5, idleTimeoutMs: 10_000, backoffInitialMs: 20, backoffMaxMs: 200 },
    writeRetryDelayMs: 10,
  });
  /** Creates the object in the system namespace, or replaces its `data`. */
  const put = (resource: "configmaps" | "secrets", kind: string, name: string, data: Record<string, string>) => {
    if (emu.store.get(resource, SYSTEM_NAMESPACE, name) === undefined)
      emu.store.seed({ apiVersion: "v1", kind, metadata: { name, namespace: SYSTEM_NAMESPACE }, data });
    else
      emu.store.modify(resource, SYSTEM_NAMESPACE, name, (object) => {
        object["data"] = data;
      });
  };
  return {
    ports: cluster.ports(),
    createRun: async (run) => {
      const [stored] = emu.store.seed(run as unknown as JsonObject);
      return String((stored!["metadata"] as { uid: string }).uid);
    },
    updateRun: async (ref, change) =>
      void emu.store.modify(resourceOf(ref), ref.namespace, ref.name, (object) => change(object as unknown as RunJson)),
    deleteRun: async (ref) => void emu.store.delete(resourceOf(ref), ref.namespace, ref.name),
    getRun: async (ref) => emu.store.get(resourceOf(ref), ref.namespace, ref.name) as unknown as RunJson | undefined,
    setConfig: async (data) => put("configmaps", "ConfigMap", "chains-config", { ...data }),
    setSecrets: async (files) =>
      put(
        "secrets",
        "Secret",
        "signing-secrets",
        Object.fromEntries(Object.entries(files).map(([name, text]) => [name, Buffer.from(text).toString("base64")])),
      ),
    events: async () =>
      (emu.store.list("events") as unknown as Array<ObservedEvent & { involvedObject: { kind: string; name: string } }>).map(
        ({ involvedObject, type, reason, message, count }) => ({ kind: involvedObject.kind, name: involvedObject.name, type, reason, message, count }),
      ),
    raceWrite: async (ref, write, change) => {
      const match = { verb: "patch" as const, resource: resourceOf(ref), name: ref.name };
      const before = emu.requestLog.count(match);
      emu.faults.add({ match, times: 1, respond: { delayMs: 500 } });
      const writing = write();
      await eventually(async () => emu.requestLog.count(match), (count) => count > before, "the write's PATCH");
      emu.store.modify(resourceOf(ref), ref.namespace, ref.name, (object) => change(object as unknown as RunJson));
      const result = await writing;
      // The PATCH was based on the run as it was before the change: its resourceVersion precondition refused it.
      expect(emu.requestLog.writes({ resource: resourceOf(ref), name: ref.name }).slice(before).map((w) => w.status)[0]).toBe(409);
      return result;
    },
    close: async () => {
      cluster.close();
      await emu.stop();
    },
  };
});
