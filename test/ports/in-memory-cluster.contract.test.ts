import { InMemoryCluster } from "../../src/adapters/memory/in-memory-cluster.ts";
import { clusterContract } from "./cluster-contract.ts";

clusterContract("the in-memory fake", async () => {
  const cluster = new InMemoryCluster();
  const secrets = new Set<string>();
  return {
    ports: cluster.ports(),
    createRun: async (run) => cluster.createRun(run).metadata.uid ?? "",
    updateRun: async (ref, change) => void cluster.updateRun(ref, change),
    deleteRun: async (ref) => cluster.deleteRun(ref),
    getRun: async (ref) => cluster.getRun(ref),
    setConfig: async (data) => cluster.setConfig(data),
    setSecrets: async (files) => {
      for (const name of secrets) if (!(name in files)) cluster.deleteSecret(name);
      for (const [name, content] of Object.entries(files)) {
        cluster.setSecret(name, content);
        secrets.add(name);
      }
    },
    events: async () => [
      ...cluster.events().map(({ ref, type, reason, message, count }) => ({ kind: ref.kind, name: ref.name, type, reason, message, count })),
      ...cluster.configEvents().map(({ type, reason, message, count }) => ({ kind: "ConfigMap", name: "chains-config", type, reason, message, count })),
    ],
    raceWrite: async (ref, write, change) => {
      cluster.holdNextWrites(1);
      const writing = write();
      // The held write parks on a later turn.
      await new Promise((resolve) => setImmediate(resolve));
      cluster.updateRun(ref, change);
      cluster.releaseHeldWrites();
      return writing;
    },
    close: async () => undefined,
  };
});
