import {
  ADD,
  ApiException,
  CoordinationV1Api,
  CustomObjectsApi,
  DELETE,
  ERROR,
  KubeConfig,
  PatchStrategy,
  UPDATE,
  Watch,
  makeInformer,
  setHeaderOptions,
  type KubernetesObject,
} from "@kubernetes/client-node";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startKubeApiEmulator, type EmulatorOptions, type JsonObject, type KubeApiEmulator } from "../support/kube-api-emulator/index.ts";
import { meta, taskRun } from "./http-client.ts";
import { until } from "../support/until.ts";

const TASKRUNS = { group: "tekton.dev", version: "v1", plural: "taskruns" };

let emu: KubeApiEmulator;
let kc: KubeConfig;
const start = async (options: EmulatorOptions = {}): Promise<void> => {
  emu = await startKubeApiEmulator({ bookmarkIntervalMs: 100, ...options });
  kc = new KubeConfig();
  kc.loadFromString(emu.kubeconfig());
};
afterEach(async () => {
  await emu.stop();
});

const informerOn = (api: CustomObjectsApi) => {
  const informer = makeInformer<KubernetesObject>(kc, "/apis/tekton.dev/v1/taskruns", () => api.listClusterCustomObject(TASKRUNS));
  const seen: string[] = [];
  const errors: unknown[] = [];
  informer.on(ADD, (o) => seen.push(`add ${o.metadata?.name ?? ""}`));
  informer.on(UPDATE, (o) => seen.push(`update ${o.metadata?.name ?? ""}`));
  informer.on(DELETE, (o) => seen.push(`delete ${o.metadata?.name ?? ""}`));
  informer.on(ERROR, (e) => errors.push(e));
  return { informer, seen, errors };
};

describe("client-node informer", () => {
  beforeEach(() => start());

  it("receives add, update and delete", async () => {
    const { informer, seen, errors } = informerOn(kc.makeApiClient(CustomObjectsApi));
    emu.store.seed(taskRun("a"));
    await informer.start();
    emu.store.seed(taskRun("b"));
    emu.store.modify("taskruns", "default", "a", (o) => {
      o["status"] = { conditions: [{ type: "Succeeded", status: "True" }] };
    });
    emu.store.delete("taskruns", "default", "b");
    await until(() => seen.length === 4, "four informer events");
    await informer.stop();
    expect(seen).toEqual(["add a", "add b", "update a", "delete b"]);
    expect(errors).toEqual([]);
  });
});

describe.each(["error-event", "http-410"] as const)("client-node informer after 410 Gone (%s)", (mode) => {
  beforeEach(() => start({ expiredWatch: mode }));

  it("relists and reconciles what it missed", async () => {
    const { informer, seen, errors } = informerOn(kc.makeApiClient(CustomObjectsApi));
    emu.store.seed(taskRun("a"), taskRun("b"));
    await informer.start();
    await until(() => seen.length === 2 && emu.watches.openCount === 1, "the initial sync");

    // Hold the re-watch until the history it asks for is gone.
    emu.faults.add({ match: { watch: true }, respond: { delayMs: 400 } });
    emu.dropWatches();
    await until(() => emu.requestLog.count({ verb: "watch" }) === 2, "the re-watch");
    emu.store.delete("taskruns", "default", "b");
    emu.store.seed(taskRun("c"));
    emu.compactHistory();

    await until(() => seen.includes("add c") && seen.includes("delete b"), "the relist", 15_000);
    await informer.stop();
    expect(seen.slice(2).sort()).toEqual(["add c", "delete b"]);
    expect(emu.requestLog.count({ verb: "list", resource: "taskruns" })).toBe(2);
    expect(informer.list().map((o) => o.metadata?.name).sort()).toEqual(["a", "c"]);
    expect(errors).toEqual([]);
  });
});

describe("client-node list, watch and writes", () => {
  beforeEach(() => start());

  it("resumes a watch from the resourceVersion of a list", async () => {
    const api = kc.makeApiClient(CustomObjectsApi);
    emu.store.seed(taskRun("a"));
    const list = (await api.listClusterCustomObject(TASKRUNS)) as { metadata: { resourceVersion: string } };
    emu.store.seed(taskRun("b"));
    emu.store.modify("taskruns", "default", "a", (o) => {
      meta(o)["labels"] = { x: "y" };
    });
    const events: string[] = [];
    const controller = await new Watch(kc).watch(
      "/apis/tekton.dev/v1/taskruns",
      { resourceVersion: list.metadata.resourceVersion, allowWatchBookmarks: true },
      (type, object: JsonObject) => events.push(`${type} ${String(meta(object)["name"] ?? "")}`),
      () => {},
    );
    await until(() => events.includes("BOOKMARK "), "a bookmark");
    controller.abort();
    expect(events.slice(0, 2)).toEqual(["ADDED b", "MODIFIED a"]);
  });

  it("sends server-side apply patches and surfaces conflicts as 409", async () => {
    const api = kc.makeApiClient(CustomObjectsApi);
    emu.store.seed(taskRun("a"));
    const applyAs = (manager: string, value: string, force: boolean) =>
      api.patchNamespacedCustomObject(
        {
          ...TASKRUNS,
          namespace: "default",
          name: "a",
          fieldManager: manager,
          force,
          body: { apiVersion: "tekton.dev/v1", kind: "TaskRun", metadata: { name: "a", namespace: "default", annotations: { "chains.tekton.dev/signed": value } } },
        },
        setHeaderOptions("Content-Type", PatchStrategy.ServerSideApply),
      ) as Promise<JsonObject>;
    const applied = await applyAs("tekton-chains-controller", "true", false);
    expect(meta(applied)["annotations"]).toEqual({ "chains.tekton.dev/signed": "true" });
    const conflict = await applyAs("someone-else", "failed", false).catch((e: unknown) => e);
    expect(conflict).toBeInstanceOf(ApiException);
    expect((conflict as ApiException<unknown>).code).toBe(409);
    await applyAs("someone-else", "failed", true);
    expect(emu.requestLog.writes({ resource: "taskruns", name: "a" }).map((e) => [e.contentType, e.status])).toEqual([
      [PatchStrategy.ServerSideApply, 200],
      [PatchStrategy.ServerSideApply, 409],
      [PatchStrategy.ServerSideApply, 200],
    ]);
  });

  it("refuses a lease update from a stale read", async () => {
    const api = kc.makeApiClient(CoordinationV1Api);
    const namespace = "tekton-chains";
    const created = await api.createNamespacedLease({
      namespace,
      body: { metadata: { name: "watcher.l.00-of-01" }, spec: { holderIdentity: "a", leaseDurationSeconds: 60 } },
    });
    const renewed = await api.replaceNamespacedLease({
      namespace,
      name: "watcher.l.00-of-01",
      body: { ...created, spec: { ...created.spec, holderIdentity: "a", renewTime: new Date() } },
    });
    expect(Number(renewed.metadata?.resourceVersion)).toBeGreaterThan(Number(created.metadata?.resourceVersion));
    const stale = await api
      .replaceNamespacedLease({ namespace, name: "watcher.l.00-of-01", body: { ...created, spec: { holderIdentity: "b" } } })
      .catch((e: unknown) => e);
    expect((stale as ApiException<unknown>).code).toBe(409);
  });
});
