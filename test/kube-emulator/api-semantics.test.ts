import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PATCH_TYPES, startKubeApiEmulator, type JsonObject, type KubeApiEmulator } from "../support/kube-api-emulator/index.ts";
import { call, meta, openWatch, taskRun } from "./http-client.ts";
import { until } from "../support/until.ts";

const TR = "/apis/tekton.dev/v1/namespaces/default/taskruns";

let emu: KubeApiEmulator;
beforeEach(async () => {
  emu = await startKubeApiEmulator({ bookmarkIntervalMs: 100 });
});
afterEach(async () => {
  await emu.stop();
});

describe("objects and resourceVersions", () => {
  it("creates, gets and lists with one increasing resourceVersion", async () => {
    const a = await call(emu.url, "POST", TR, taskRun("a"));
    const b = await call(emu.url, "POST", "/apis/tekton.dev/v1/namespaces/other/taskruns", taskRun("b", "other"));
    expect(a.status).toBe(201);
    expect(b.status).toBe(201);
    expect(Number(meta(b.body)["resourceVersion"])).toBeGreaterThan(Number(meta(a.body)["resourceVersion"]));
    expect(meta(a.body)["uid"]).toMatch(/^[0-9a-f-]{36}$/);

    const all = await call(emu.url, "GET", "/apis/tekton.dev/v1/taskruns");
    expect((all.body["items"] as JsonObject[]).map((o) => meta(o)["name"])).toEqual(["a", "b"]);
    expect((all.body["metadata"] as JsonObject)["resourceVersion"]).toBe(String(emu.store.resourceVersion));
    const one = await call(emu.url, "GET", TR);
    expect((one.body["items"] as JsonObject[]).map((o) => meta(o)["name"])).toEqual(["a"]);

    const missing = await call(emu.url, "GET", `${TR}/nope`);
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ kind: "Status", reason: "NotFound", code: 404 });
    const again = await call(emu.url, "POST", TR, taskRun("a"));
    expect(again.body).toMatchObject({ reason: "AlreadyExists", code: 409 });
  });

  it("refuses a PUT with a stale resourceVersion, and one without it for custom resources", async () => {
    const created = (await call(emu.url, "POST", TR, taskRun("a"))).body;
    const first = { ...created, metadata: { ...meta(created), labels: { step: "1" } } };
    const ok = await call(emu.url, "PUT", `${TR}/a`, first);
    expect(ok.status).toBe(200);
    const stale = await call(emu.url, "PUT", `${TR}/a`, { ...first, metadata: { ...meta(first), labels: { step: "2" } } });
    expect(stale.status).toBe(409);
    expect(stale.body).toMatchObject({ reason: "Conflict" });
    expect(String(stale.body["message"])).toContain("the object has been modified");
    const { resourceVersion: _rv, ...withoutVersion } = meta(ok.body);
    const unconditional = await call(emu.url, "PUT", `${TR}/a`, { ...ok.body, metadata: withoutVersion });
    expect(unconditional.status).toBe(422);
  });

  it("does not bump the resourceVersion for a write that changes nothing", async () => {
    await call(emu.url, "POST", TR, taskRun("a", "default", { metadata: { labels: { x: "1" } } }));
    const before = emu.store.resourceVersion;
    const same = await call(emu.url, "PATCH", `${TR}/a`, { metadata: { labels: { x: "1" } } }, PATCH_TYPES.merge);
    expect(same.status).toBe(200);
    expect(emu.store.resourceVersion).toBe(before);
  });

  it("names objects from generateName", async () => {
    const created = await call(emu.url, "POST", TR, { ...taskRun(""), metadata: { generateName: "run-" } });
    expect(meta(created.body)["name"]).toMatch(/^run-[0-9a-f]{5}$/);
  });

  it("keeps status out of main-resource writes and changes only status through /status", async () => {
    const created = await call(emu.url, "POST", TR, { ...taskRun("a"), status: { podName: "x" } });
    expect(created.body["status"]).toBeUndefined();
    const status = { conditions: [{ type: "Succeeded", status: "True" }] };
    const viaStatus = await call(emu.url, "PATCH", `${TR}/a/status`, { status, metadata: { labels: { ignored: "yes" } } }, PATCH_TYPES.merge);
    expect(viaStatus.body["status"]).toEqual(status);
    expect(meta(viaStatus.body)["labels"]).toBeUndefined();
    const viaMain = await call(emu.url, "PATCH", `${TR}/a`, { status: { conditions: [] } }, PATCH_TYPES.merge);
    expect(viaMain.body["status"]).toEqual(status);
  });

  it("pages lists with limit and continue", async () => {
    for (const name of ["a", "b", "c"]) await call(emu.url, "POST", TR, taskRun(name));
    const first = await call(emu.url, "GET", `${TR}?limit=2`);
    const firstMeta = first.body["metadata"] as JsonObject;
    expect((first.body["items"] as JsonObject[]).map((o) => meta(o)["name"])).toEqual(["a", "b"]);
    expect(firstMeta["remainingItemCount"]).toBe(1);
    const second = await call(emu.url, "GET", `${TR}?limit=2&continue=${String(firstMeta["continue"])}`);
    expect((second.body["items"] as JsonObject[]).map((o) => meta(o)["name"])).toEqual(["c"]);
    expect((second.body["metadata"] as JsonObject)["continue"]).toBeUndefined();
  });

  it("selects by label and by metadata.name / metadata.namespace, and rejects other fields", async () => {
    await call(emu.url, "POST", TR, taskRun("a", "default", { metadata: { labels: { tier: "x" } } }));
    await call(emu.url, "POST", TR, taskRun("b", "default", { metadata: { labels: { tier: "y" } } }));
    await call(emu.url, "POST", "/apis/tekton.dev/v1/namespaces/n2/taskruns", taskRun("c", "n2"));
    const names = async (query: string): Promise<unknown[]> =>
      ((await call(emu.url, "GET", `/apis/tekton.dev/v1/taskruns?${query}`)).body["items"] as JsonObject[]).map((o) => meta(o)["name"]);
    expect(await names("labelSelector=tier%3Dx")).toEqual(["a"]);
    expect(await names("labelSelector=tier%20in%20(x,y)")).toEqual(["a", "b"]);
    expect(await names("labelSelector=!tier")).toEqual(["c"]);
    expect(await names("fieldSelector=metadata.name%3Db")).toEqual(["b"]);
    expect(await names("fieldSelector=metadata.namespace!%3Ddefault")).toEqual(["c"]);
    const bad = await call(emu.url, "GET", "/apis/tekton.dev/v1/taskruns?fieldSelector=spec.x%3D1");
    expect(bad.status).toBe(400);
  });
});

describe("patches", () => {
  it("treats metadata.resourceVersion in a merge patch as a precondition", async () => {
    const created = (await call(emu.url, "POST", TR, taskRun("a"))).body;
    const rv = meta(created)["resourceVersion"];
    const stale = await call(emu.url, "PATCH", `${TR}/a`, { metadata: { resourceVersion: "1", labels: { a: "b" } } }, PATCH_TYPES.merge);
    expect(stale.status).toBe(409);
    const fresh = await call(emu.url, "PATCH", `${TR}/a`, { metadata: { resourceVersion: rv, labels: { a: "b" } } }, PATCH_TYPES.merge);
    expect(fresh.status).toBe(200);
    expect(meta(fresh.body)["labels"]).toEqual({ a: "b" });
  });

  it("applies JSON patches and answers 422 when a test operation fails", async () => {
    await call(emu.url, "POST", TR, taskRun("a", "default", { metadata: { annotations: { k: "v" } } }));
    const ok = await call(
      emu.url,
      "PATCH",
      `${TR}/a`,
      [
        { op: "test", path: "/metadata/annotations/k", value: "v" },
        { op: "replace", path: "/metadata/annotations/k", value: "w" },
        { op: "add", path: "/metadata/finalizers", value: ["f1"] },
      ],
      PATCH_TYPES.json,
    );
    expect(meta(ok.body)["annotations"]).toEqual({ k: "w" });
    expect(meta(ok.body)["finalizers"]).toEqual(["f1"]);
    const failed = await call(emu.url, "PATCH", `${TR}/a`, [{ op: "test", path: "/metadata/annotations/k", value: "v" }], PATCH_TYPES.json);
    expect(failed.status).toBe(422);
  });

  it("refuses strategic merge patches on custom resources with 415 but merges finalizers for built-ins", async () => {
    await call(emu.url, "POST", TR, taskRun("a"));
    const refused = await call(emu.url, "PATCH", `${TR}/a`, { metadata: { labels: { a: "b" } } }, PATCH_TYPES.strategic);
    expect(refused.status).toBe(415);
    expect(refused.body).toMatchObject({ reason: "UnsupportedMediaType" });
    const cm = "/api/v1/namespaces/default/configmaps";
    await call(emu.url, "POST", cm, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", finalizers: ["x"] }, data: { a: "1" } });
    const merged = await call(emu.url, "PATCH", `${cm}/c`, { metadata: { finalizers: ["y"] }, data: { b: "2" } }, PATCH_TYPES.strategic);
    expect(meta(merged.body)["finalizers"]).toEqual(["x", "y"]);
    expect(merged.body["data"]).toEqual({ a: "1", b: "2" });
  });
});

describe("server-side apply", () => {
  const apply = (manager: string, annotations: Record<string, string>, extra: JsonObject = {}, force = false) =>
    call(
      emu.url,
      "PATCH",
      `${TR}/a?fieldManager=${manager}&force=${force}`,
      JSON.stringify({ apiVersion: "tekton.dev/v1", kind: "TaskRun", metadata: { name: "a", namespace: "default", annotations, ...extra } }),
      PATCH_TYPES.apply,
    );

  it("creates on first apply and requires a field manager", async () => {
    expect((await apply("m1", { "chains.tekton.dev/signed": "true" })).status).toBe(201);
    const noManager = await call(emu.url, "PATCH", `${TR}/a`, JSON.stringify({ apiVersion: "tekton.dev/v1", kind: "TaskRun" }), PATCH_TYPES.apply);
    expect(noManager.status).toBe(400);
  });

  it("reports a conflict with another manager's different value, and transfers ownership when forced", async () => {
    await apply("alice", { owner: "alice" });
    const conflict = await apply("bob", { owner: "bob" });
    expect(conflict.status).toBe(409);
    expect(conflict.body).toMatchObject({ reason: "Conflict" });
    expect((conflict.body["details"] as JsonObject)["causes"]).toEqual([
      { reason: "FieldManagerConflict", message: 'conflict with "alice" using tekton.dev/v1', field: ".metadata.annotations.owner" },
    ]);
    const sameValue = await apply("carol", { owner: "alice" });
    expect(sameValue.status).toBe(200);
    const forced = await apply("bob", { owner: "bob" }, {}, true);
    expect(meta(forced.body)["annotations"]).toEqual({ owner: "bob" });
    const managers = (meta(forced.body)["managedFields"] as JsonObject[]).map((m) => m["manager"]);
    expect(managers).toEqual(["bob"]);
  });

  it("removes a field its manager stops applying unless another manager still owns it", async () => {
    await apply("chains", { "chains.tekton.dev/a": "1", "chains.tekton.dev/b": "2", shared: "s" });
    await apply("user", { shared: "s" });
    const after = await apply("chains", { "chains.tekton.dev/b": "2" });
    expect(meta(after.body)["annotations"]).toEqual({ "chains.tekton.dev/b": "2", shared: "s" });
  });

  it("lets an update take a field over, so the applier no longer removes it", async () => {
    await apply("chains", { "chains.tekton.dev/a": "1" });
    await call(emu.url, "PATCH", `${TR}/a?fieldManager=user`, { metadata: { annotations: { "chains.tekton.dev/a": "2" } } }, PATCH_TYPES.merge);
    const after = await apply("chains", {});
    expect(meta(after.body)["annotations"]).toEqual({ "chains.tekton.dev/a": "2" });
  });
});

describe("finalizers and deletion", () => {
  it("keeps a finalized object with a deletionTimestamp until its last finalizer goes", async () => {
    await call(emu.url, "POST", TR, taskRun("a"));
    const applyFinalizers = (finalizers: string[]) =>
      call(
        emu.url,
        "PATCH",
        `${TR}/a?fieldManager=chains%2Ffinalizers`,
        JSON.stringify({ apiVersion: "tekton.dev/v1", kind: "TaskRun", metadata: { name: "a", namespace: "default", finalizers } }),
        PATCH_TYPES.apply,
      );
    await applyFinalizers(["chains.tekton.dev/taskrun"]);
    const watch = openWatch(emu.url, `${TR}?watch=true&resourceVersion=${emu.store.resourceVersion}`);
    await until(() => emu.watches.openCount === 1, "the watch to open");

    const deleted = await call(emu.url, "DELETE", `${TR}/a`);
    expect(deleted.status).toBe(200);
    expect(meta(deleted.body)["deletionTimestamp"]).toEqual(expect.any(String));
    expect(meta(deleted.body)["deletionGracePeriodSeconds"]).toBe(0);
    expect((await call(emu.url, "GET", `${TR}/a`)).status).toBe(200);

    const forbidden = await call(emu.url, "PATCH", `${TR}/a`, { metadata: { finalizers: ["chains.tekton.dev/taskrun", "new"] } }, PATCH_TYPES.merge);
    expect(forbidden.status).toBe(422);

    const removed = await applyFinalizers([]);
    expect(removed.status).toBe(200);
    expect((await call(emu.url, "GET", `${TR}/a`)).status).toBe(404);
    await until(() => watch.events.length === 2, "MODIFIED and DELETED");
    watch.stop();
    expect(watch.events.map((e) => e.type)).toEqual(["MODIFIED", "DELETED"]);
  });

  it("deletes a deleting object in one DELETED event when a seeding write clears its finalizers", async () => {
    emu.store.seed(taskRun("a", "default", { metadata: { finalizers: ["x"] } }));
    expect(emu.store.delete("taskruns", "default", "a").deleted).toBe(false);
    const watch = openWatch(emu.url, `${TR}?watch=true&resourceVersion=${emu.store.resourceVersion}`);
    await until(() => emu.watches.openCount === 1, "the watch to open");
    emu.store.modify("taskruns", "default", "a", (o) => {
      delete meta(o)["finalizers"];
    });
    await until(() => watch.events.length === 1, "the DELETED event");
    watch.stop();
    expect(watch.events.map((e) => e.type)).toEqual(["DELETED"]);
    expect(emu.store.get("taskruns", "default", "a")).toBeUndefined();
  });

  it("deletes an object without finalizers at once", async () => {
    await call(emu.url, "POST", TR, taskRun("a"));
    const deleted = await call(emu.url, "DELETE", `${TR}/a`);
    expect(deleted.body).toMatchObject({ kind: "Status", status: "Success", details: { name: "a", kind: "taskruns" } });
    expect(emu.store.get("taskruns", "default", "a")).toBeUndefined();
    const precondition = await call(emu.url, "POST", TR, taskRun("b"));
    const refused = await call(emu.url, "DELETE", `${TR}/b`, { preconditions: { uid: "other" } });
    expect(refused.status).toBe(409);
    expect(meta(precondition.body)["name"]).toBe("b");
  });
});

describe("watch", () => {
  it("replays changes after a resourceVersion and streams later ones", async () => {
    await call(emu.url, "POST", TR, taskRun("a"));
    const from = emu.store.resourceVersion;
    await call(emu.url, "POST", TR, taskRun("b"));
    await call(emu.url, "PATCH", `${TR}/a`, { metadata: { labels: { x: "y" } } }, PATCH_TYPES.merge);
    const watch = openWatch(emu.url, `/apis/tekton.dev/v1/taskruns?watch=true&resourceVersion=${from}`);
    await until(() => watch.events.length === 2, "the replay");
    await call(emu.url, "DELETE", `${TR}/b`);
    await until(() => watch.events.length === 3, "the live delete");
    watch.stop();
    expect(watch.events.map((e) => `${e.type} ${String(meta(e.object)["name"])}`)).toEqual(["ADDED b", "MODIFIED a", "DELETED b"]);
    const versions = watch.events.map((e) => Number(meta(e.object)["resourceVersion"]));
    expect(versions).toEqual([...versions].sort((x, y) => x - y));
  });

  it("starts with the current state when no resourceVersion is given", async () => {
    await call(emu.url, "POST", TR, taskRun("a"));
    const watch = openWatch(emu.url, `${TR}?watch=true&timeoutSeconds=1`);
    await watch.done;
    expect(watch.events.map((e) => e.type)).toEqual(["ADDED"]);
  });

  it("sends initial events then an initial-events-end bookmark when asked (watch-list)", async () => {
    await call(emu.url, "POST", TR, taskRun("a"));
    const watch = openWatch(
      emu.url,
      `${TR}?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&timeoutSeconds=1`,
    );
    await until(() => watch.events.length >= 2, "the initial events");
    watch.stop();
    expect(watch.events[0]).toMatchObject({ type: "ADDED", object: { metadata: { name: "a" } } });
    expect(watch.events[1]).toMatchObject({ type: "BOOKMARK", object: { metadata: { annotations: { "k8s.io/initial-events-end": "true" } } } });
  });

  it("turns selector transitions into ADDED and DELETED", async () => {
    await call(emu.url, "POST", TR, taskRun("a"));
    const watch = openWatch(emu.url, `${TR}?watch=true&labelSelector=keep%3Dyes&resourceVersion=${emu.store.resourceVersion}`);
    await until(() => emu.watches.openCount === 1, "the watch to open");
    await call(emu.url, "PATCH", `${TR}/a`, { metadata: { labels: { keep: "yes" } } }, PATCH_TYPES.merge);
    await call(emu.url, "PATCH", `${TR}/a`, { metadata: { labels: { keep: "no" } } }, PATCH_TYPES.merge);
    await until(() => watch.events.length === 2, "two events");
    watch.stop();
    expect(watch.events.map((e) => e.type)).toEqual(["ADDED", "DELETED"]);
  });

  it("answers a watch from a compacted resourceVersion with an ERROR event carrying 410 Expired", async () => {
    await call(emu.url, "POST", TR, taskRun("a"));
    const old = emu.store.resourceVersion;
    await call(emu.url, "POST", TR, taskRun("b"));
    emu.compactHistory();
    const watch = openWatch(emu.url, `${TR}?watch=true&resourceVersion=${old}`);
    await watch.done;
    expect(watch.status).toBe(200);
    expect(watch.events).toEqual([{ type: "ERROR", object: expect.objectContaining({ kind: "Status", code: 410, reason: "Expired" }) }]);
    const current = openWatch(emu.url, `${TR}?watch=true&resourceVersion=${emu.store.resourceVersion}&timeoutSeconds=1`);
    await current.done;
    expect(current.events).toEqual([]);
  });

  it("forgets changes beyond the history window", async () => {
    const small = await startKubeApiEmulator({ historyLimit: 2, namespaces: [] });
    try {
      await call(small.url, "POST", TR, taskRun("a"));
      const old = small.store.resourceVersion;
      for (const name of ["b", "c", "d"]) await call(small.url, "POST", TR, taskRun(name));
      const watch = openWatch(small.url, `${TR}?watch=true&resourceVersion=${old}`);
      await watch.done;
      expect(watch.events[0]?.type).toBe("ERROR");
      const recent = openWatch(small.url, `${TR}?watch=true&resourceVersion=${small.store.resourceVersion - 2}&timeoutSeconds=1`);
      await recent.done;
      expect(recent.events.map((e) => meta(e.object)["name"])).toEqual(["c", "d"]);
    } finally {
      await small.stop();
    }
  });

  it("can answer an expired watch with HTTP 410 instead", async () => {
    const strict = await startKubeApiEmulator({ expiredWatch: "http-410" });
    try {
      await call(strict.url, "POST", TR, taskRun("a"));
      strict.compactHistory();
      const reply = await call(strict.url, "GET", `${TR}?watch=true&resourceVersion=1`);
      expect(reply.status).toBe(410);
      expect(reply.body).toMatchObject({ reason: "Expired", code: 410 });
    } finally {
      await strict.stop();
    }
  });

  it("sends bookmarks only when allowed, and ends the stream at timeoutSeconds", async () => {
    const started = Date.now();
    const withBookmarks = openWatch(emu.url, `${TR}?watch=true&allowWatchBookmarks=true&timeoutSeconds=1&resourceVersion=${emu.store.resourceVersion}`);
    const without = openWatch(emu.url, `${TR}?watch=true&timeoutSeconds=1&resourceVersion=${emu.store.resourceVersion}`);
    await Promise.all([withBookmarks.done, without.done]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(withBookmarks.events.length).toBeGreaterThanOrEqual(3);
    for (const event of withBookmarks.events) {
      expect(event).toMatchObject({ type: "BOOKMARK", object: { kind: "TaskRun", apiVersion: "tekton.dev/v1" } });
      expect(meta(event.object)["resourceVersion"]).toBe(String(emu.store.resourceVersion));
    }
    expect(without.events).toEqual([]);
  });
});

describe("versions and discovery", () => {
  it("serves one object through every tekton.dev version", async () => {
    await call(emu.url, "POST", TR, taskRun("a"));
    const old = await call(emu.url, "GET", "/apis/tekton.dev/v1beta1/namespaces/default/taskruns/a");
    expect(old.body["apiVersion"]).toBe("tekton.dev/v1beta1");
    const group = await call(emu.url, "GET", "/apis/tekton.dev");
    expect(group.body["preferredVersion"]).toEqual({ groupVersion: "tekton.dev/v1", version: "v1" });
  });

  it("can serve tekton.dev v1beta1 only", async () => {
    const old = await startKubeApiEmulator({ tektonVersions: ["v1beta1"] });
    try {
      expect((await call(old.url, "GET", "/apis/tekton.dev/v1")).status).toBe(404);
      expect((await call(old.url, "GET", "/apis/tekton.dev/v1/taskruns")).status).toBe(404);
      const resources = await call(old.url, "GET", "/apis/tekton.dev/v1beta1");
      expect((resources.body["resources"] as JsonObject[]).map((r) => r["name"])).toContain("pipelineruns");
      const created = await call(old.url, "POST", "/apis/tekton.dev/v1beta1/namespaces/default/pipelineruns", {
        apiVersion: "tekton.dev/v1beta1",
        kind: "PipelineRun",
        metadata: { name: "p" },
      });
      expect(created.body["apiVersion"]).toBe("tekton.dev/v1beta1");
    } finally {
      await old.stop();
    }
  });
});

describe("leases", () => {
  it("supports leader-election style compare-and-swap", async () => {
    const path = "/apis/coordination.k8s.io/v1/namespaces/tekton-chains/leases";
    const lease = { apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name: "watcher.x.00-of-01" }, spec: { holderIdentity: "a" } };
    const created = await call(emu.url, "POST", path, lease);
    const takeA = { ...created.body, spec: { holderIdentity: "b", leaseDurationSeconds: 60 } };
    const winner = await call(emu.url, "PUT", `${path}/watcher.x.00-of-01`, takeA);
    const loser = await call(emu.url, "PUT", `${path}/watcher.x.00-of-01`, { ...takeA, spec: { holderIdentity: "c" } });
    expect(winner.status).toBe(200);
    expect(loser.status).toBe(409);
    expect(emu.store.get("leases", "tekton-chains", "watcher.x.00-of-01")?.["spec"]).toEqual({ holderIdentity: "b", leaseDurationSeconds: 60 });
  });
});

describe("fault injection and the request log", () => {
  it("answers matching requests with the injected status the given number of times", async () => {
    const fault = emu.faults.add({ match: { verb: "create", resource: "taskruns" }, times: 2, respond: { status: 500 } });
    const throttle = emu.faults.add({ match: { method: "GET", pathRegex: "/taskruns$" }, respond: { status: 429 } });
    expect((await call(emu.url, "POST", TR, taskRun("a"))).status).toBe(500);
    expect((await call(emu.url, "POST", TR, taskRun("a"))).status).toBe(500);
    expect((await call(emu.url, "POST", TR, taskRun("a"))).status).toBe(201);
    const throttled = await call(emu.url, "GET", TR);
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get("retry-after")).toBe("1");
    expect((await call(emu.url, "GET", TR)).status).toBe(200);
    expect(fault.hits).toBe(2);
    expect(throttle.hits).toBe(1);
    expect(emu.requestLog.entries({ verb: "create" }).map((e) => [e.status, e.fault])).toEqual([
      [500, true],
      [500, true],
      [201, false],
    ]);
  });

  it("affects only the drawn share of matching requests when a rule has a probability, leaving the rest to later rules", async () => {
    // Draws alternate below and above the probability: every other GET is the 500.
    const draws = [0.05, 0.5, 0.05, 0.5];
    const sometimes = emu.faults.add({ match: { verb: "list" }, times: Infinity, probability: 0.1, random: () => draws.shift() ?? 1, respond: { status: 500 } });
    const later = emu.faults.add({ match: { verb: "list" }, times: 1, respond: { status: 429 } });
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await call(emu.url, "GET", TR)).status);
    expect(statuses).toEqual([500, 429, 500, 200, 200]);
    expect(sometimes.hits).toBe(2);
    expect(later.hits).toBe(1);
  });

  it("delays, drops watches and resets connections", async () => {
    emu.faults.add({ match: { verb: "get" }, respond: { delayMs: 300 } });
    await call(emu.url, "POST", TR, taskRun("a"));
    const started = Date.now();
    expect((await call(emu.url, "GET", `${TR}/a`)).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);

    emu.faults.add({ match: { watch: true }, respond: { dropWatchAfterMs: 200 } });
    const watch = openWatch(emu.url, `${TR}?watch=true&resourceVersion=${emu.store.resourceVersion}`);
    await watch.done;
    expect(watch.status).toBe(200);

    emu.faults.add({ match: { verb: "list" }, respond: { resetConnection: true } });
    await expect(call(emu.url, "GET", TR)).rejects.toThrow();
  });

  it("logs every request with what is needed to count writes per object", async () => {
    await call(emu.url, "POST", TR, taskRun("a"));
    await call(emu.url, "PATCH", `${TR}/a?fieldManager=chains`, JSON.stringify({ apiVersion: "tekton.dev/v1", kind: "TaskRun" }), PATCH_TYPES.apply);
    await call(emu.url, "GET", `${TR}/a`);
    await call(emu.url, "POST", "/api/v1/namespaces/default/events", { apiVersion: "v1", kind: "Event", metadata: { name: "e" } });
    expect(emu.requestLog.writes({ resource: "taskruns", name: "a" }).map((e) => [e.method, e.contentType, e.query["fieldManager"], e.status])).toEqual([
      ["PATCH", PATCH_TYPES.apply, "chains", 200],
    ]);
    expect(emu.requestLog.count({ method: "POST", resource: "events" })).toBe(1);
    expect(emu.requestLog.count({ verb: "get", name: "a" })).toBe(1);
    emu.requestLog.clear();
    expect(emu.requestLog.entries()).toEqual([]);
  });
});
