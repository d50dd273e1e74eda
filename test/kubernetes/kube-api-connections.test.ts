import { KubeConfig } from "@kubernetes/client-node";
import { afterEach, describe, expect, it } from "vitest";
import { KubeApi } from "../../src/adapters/kubernetes/kube-api.ts";
import { type KubeApiEmulator, startKubeApiEmulator } from "../support/kube-api-emulator/index.ts";

let emu: KubeApiEmulator | undefined;
afterEach(async () => {
  await emu?.stop();
  emu = undefined;
});

const SEQUENTIAL = 20;
const BURSTS = 20;
const BURST = 4;

describe("connections to the API server (issue 14)", () => {
  it(`sends ${SEQUENTIAL + BURSTS * BURST} requests, one after another and in bursts, over a few kept-alive connections`, async () => {
    emu = await startKubeApiEmulator();
    emu.store.seed({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", namespace: "ns" }, data: {} });
    const config = new KubeConfig();
    config.loadFromString(emu.kubeconfig());
    const api = new KubeApi(config, { qps: 10_000, burst: 10_000 });
    const read = () => api.call((a) => a.core.readNamespacedConfigMap({ namespace: "ns", name: "c" }));
    for (let i = 0; i < SEQUENTIAL; i++) await read();
    const sequential = emu.connectionsAccepted();
    for (let i = 0; i < BURSTS; i++) await Promise.all(Array.from({ length: BURST }, read));
    api.close();
    expect(emu.requestLog.count({ verb: "get", resource: "configmaps" })).toBe(SEQUENTIAL + BURSTS * BURST);
    // A request sent while the previous answer is still being read may open a second connection.
    expect(sequential).toBeLessThanOrEqual(2);
    // Bursts open a few more (a connection still finishing its previous answer is not free yet),
    // bounded by the burst size, not by the number of requests.
    expect(emu.connectionsAccepted()).toBeLessThanOrEqual(2 + 2 * BURST);
  });
});
