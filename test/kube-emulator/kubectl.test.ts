import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { startKubeApiEmulator, type JsonObject, type KubeApiEmulator } from "../support/kube-api-emulator/index.ts";
import { meta, taskRun } from "./http-client.ts";
import { until } from "../support/until.ts";
import { findKubectl, kubectlFor, parseJsonStream, type Kubectl } from "./kubectl.ts";

const binary = findKubectl();
const ci = process.env["CI"] === "true";

// With CI=true a missing kubectl fails the suite (in beforeAll) instead of skipping it.
describe.skipIf(binary === undefined && !ci)("the emulator driven by the real kubectl", () => {
  let emu: KubeApiEmulator;
  let dir: string;
  let kubectl: Kubectl;

  beforeAll(async () => {
    if (binary === undefined) throw new Error("kubectl is not on PATH; with CI=true the kubectl tests must run (the node machine image ships /usr/bin/kubectl)");
    emu = await startKubeApiEmulator({ bookmarkIntervalMs: 500 });
    dir = await mkdtemp(join(tmpdir(), "kubectl-emulator-"));
    kubectl = kubectlFor(binary, await emu.writeKubeconfig(dir), join(dir, "cache"));
  });
  afterAll(async () => {
    await emu?.stop();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  const ok = async (args: readonly string[], stdin?: string): Promise<string> => {
    const result = await kubectl.run(args, stdin);
    if (result.code !== 0) throw new Error(`kubectl ${args.join(" ")} failed (${String(result.code)}): ${result.stderr}`);
    return result.stdout;
  };

  it("discovers the served resources and the server version", async () => {
    const resources = await ok(["api-resources", "-o", "name"]);
    for (const name of ["taskruns.tekton.dev", "pipelineruns.tekton.dev", "leases.coordination.k8s.io", "events.events.k8s.io", "configmaps", "secrets", "serviceaccounts", "namespaces"]) {
      expect(resources.split("\n")).toContain(name);
    }
    const version = JSON.parse(await ok(["version", "-o", "json"])) as { serverVersion: { gitVersion: string } };
    expect(version.serverVersion.gitVersion).toMatch(/^v1\.\d+/);
  });

  it("creates from a manifest and gets and lists it as JSON and as a table", async () => {
    expect(await ok(["create", "-f", "-"], stringify(taskRun("created", "ns-a")))).toContain("taskrun.tekton.dev/created created");
    const one = JSON.parse(await ok(["get", "taskrun", "created", "-n", "ns-a", "-o", "json"])) as JsonObject;
    expect(meta(one)["uid"]).toBe(meta(emu.store.get("taskruns", "ns-a", "created") ?? {})["uid"]);
    emu.store.seed(taskRun("seeded", "ns-b"));
    const all = JSON.parse(await ok(["get", "taskruns", "-A", "-o", "json"])) as { items: JsonObject[] };
    expect(all.items.map((o) => `${String(meta(o)["namespace"])}/${String(meta(o)["name"])}`)).toEqual(
      expect.arrayContaining(["ns-a/created", "ns-b/seeded"]),
    );
    const table = await ok(["get", "tr", "-n", "ns-a"]);
    expect(table).toMatch(/^NAME\s+AGE\n/);
    expect(table).toMatch(/\ncreated\s+\d+s\n/);
  });

  it("server-side applies: a second field manager conflicts until it forces", async () => {
    const manifest = (owner: string) =>
      stringify({
        apiVersion: "tekton.dev/v1",
        kind: "TaskRun",
        metadata: { name: "applied", namespace: "default", annotations: { owner } },
        spec: { taskRef: { name: "build" } },
      });
    await ok(["apply", "--server-side", "--field-manager=alice", "-f", "-"], manifest("alice"));
    const conflict = await kubectl.run(["apply", "--server-side", "--field-manager=bob", "-f", "-"], manifest("bob"));
    expect(conflict.code).not.toBe(0);
    expect(conflict.stderr).toContain('conflict with "alice"');
    expect(conflict.stderr).toContain(".metadata.annotations.owner");
    expect(meta(emu.store.get("taskruns", "default", "applied") ?? {})["annotations"]).toEqual({ owner: "alice" });
    await ok(["apply", "--server-side", "--field-manager=bob", "--force-conflicts", "-f", "-"], manifest("bob"));
    const stored = meta(emu.store.get("taskruns", "default", "applied") ?? {});
    expect(stored["annotations"]).toEqual({ owner: "bob" });
    // alice still co-owns the unchanged spec; the annotation moved to bob.
    const owned = Object.fromEntries((stored["managedFields"] as JsonObject[]).map((m) => [String(m["manager"]), JSON.stringify(m["fieldsV1"])]));
    expect(Object.keys(owned).sort()).toEqual(["alice", "bob"]);
    expect(owned["alice"]).not.toContain("f:owner");
    expect(owned["bob"]).toContain("f:owner");
  });

  it("patches with merge and JSON patches, and gets 415 for a strategic patch of a TaskRun", async () => {
    emu.store.seed(taskRun("patched"));
    await ok(["patch", "taskrun", "patched", "--type", "merge", "-p", '{"metadata":{"labels":{"merge":"yes"}}}']);
    await ok(["patch", "taskrun", "patched", "--type", "json", "-p", '[{"op":"add","path":"/metadata/annotations","value":{"json":"yes"}}]']);
    const stored = meta(emu.store.get("taskruns", "default", "patched") ?? {});
    expect(stored["labels"]).toEqual({ merge: "yes" });
    expect(stored["annotations"]).toEqual({ json: "yes" });
    const strategic = await kubectl.run(["patch", "taskrun", "patched", "-p", '{"metadata":{"labels":{"s":"t"}}}']);
    expect(strategic.code).not.toBe(0);
    expect(strategic.stderr).toContain("application/strategic-merge-patch+json is not supported");
    expect(emu.requestLog.entries({ name: "patched", method: "PATCH" }).map((e) => e.status)).toEqual([200, 200, 415]);
  });

  it("keeps a deleted TaskRun with a finalizer until the finalizer is removed", async () => {
    emu.store.seed(taskRun("finalized", "default", { metadata: { finalizers: ["chains.tekton.dev/taskrun"] } }));
    await ok(["delete", "taskrun", "finalized", "--wait=false"]);
    const pending = JSON.parse(await ok(["get", "taskrun", "finalized", "-o", "json"])) as JsonObject;
    expect(meta(pending)["deletionTimestamp"]).toEqual(expect.any(String));
    expect(meta(pending)["finalizers"]).toEqual(["chains.tekton.dev/taskrun"]);
    await ok(["patch", "taskrun", "finalized", "--type", "json", "-p", '[{"op":"remove","path":"/metadata/finalizers"}]']);
    const gone = await kubectl.run(["get", "taskrun", "finalized"]);
    expect(gone.code).not.toBe(0);
    expect(gone.stderr).toContain("NotFound");
  });

  it("lets a waiting kubectl delete return once the finalizer goes", async () => {
    emu.store.seed(taskRun("awaited", "default", { metadata: { finalizers: ["example.com/hold"] } }));
    const deleting = kubectl.spawn(["delete", "taskrun", "awaited", "--timeout=20s"]);
    await until(() => meta(emu.store.get("taskruns", "default", "awaited") ?? {})["deletionTimestamp"] !== undefined, "the deletionTimestamp");
    // kubectl waits with a watch narrowed to the one object.
    await until(
      () => emu.requestLog.entries({ verb: "watch", resource: "taskruns" }).some((e) => e.query["fieldSelector"] === "metadata.name=awaited"),
      "kubectl's wait watch",
    );
    emu.store.modify("taskruns", "default", "awaited", (o) => {
      delete meta(o)["finalizers"];
    });
    const result = await deleting.exited;
    expect(result.code).toBe(0);
    expect(emu.store.get("taskruns", "default", "awaited")).toBeUndefined();
  });

  it("streams watch events to kubectl get --watch", async () => {
    emu.store.seed(taskRun("before-watch", "watched"));
    const watchesBefore = emu.requestLog.count({ verb: "watch", resource: "taskruns" });
    const watching = kubectl.spawn(["get", "taskruns", "-A", "--watch", "--output-watch-events", "-o", "json"]);
    try {
      await until(() => emu.requestLog.count({ verb: "watch", resource: "taskruns" }) > watchesBefore, "kubectl's watch request");
      emu.store.seed(taskRun("during-watch", "watched"));
      emu.store.modify("taskruns", "watched", "during-watch", (o) => {
        meta(o)["labels"] = { changed: "yes" };
      });
      emu.store.delete("taskruns", "watched", "during-watch");
      const events = (): { type: string; object: JsonObject }[] =>
        (parseJsonStream(watching.output()) as { type: string; object: JsonObject }[]).filter((e) => meta(e.object)["namespace"] === "watched");
      await until(() => events().length >= 4, "four watch events", 15_000);
      expect(events().map((e) => `${e.type} ${String(meta(e.object)["name"])}`)).toEqual([
        "ADDED before-watch",
        "ADDED during-watch",
        "MODIFIED during-watch",
        "DELETED during-watch",
      ]);
    } finally {
      watching.child.kill();
      await watching.exited;
    }
  });

  it("creates and reads leases and other core objects from manifests", async () => {
    const lease = { apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name: "watcher.test.00-of-01", namespace: "tekton-chains" }, spec: { holderIdentity: "pod-a", leaseDurationSeconds: 60 } };
    await ok(["create", "-f", "-"], stringify(lease));
    expect(await ok(["get", "lease", "watcher.test.00-of-01", "-n", "tekton-chains", "-o", "jsonpath={.spec.holderIdentity}"])).toBe("pod-a");
    // Generators (`kubectl create configmap`) send protobuf, which the emulator does not speak; render to JSON first.
    const configMap = await ok(["create", "configmap", "chains-config", "-n", "tekton-chains", "--from-literal=artifacts.taskrun.format=in-toto", "--dry-run=client", "-o", "json"]);
    await ok(["create", "-f", "-"], configMap);
    expect(emu.store.get("configmaps", "tekton-chains", "chains-config")?.["data"]).toEqual({ "artifacts.taskrun.format": "in-toto" });
    await ok(["create", "-f", "-"], stringify({ apiVersion: "v1", kind: "Secret", metadata: { name: "signing-secrets", namespace: "tekton-chains" }, stringData: { "cosign.pub": "key" } }));
    expect(await ok(["get", "secret", "signing-secrets", "-n", "tekton-chains", "-o", "jsonpath={.data.cosign\\.pub}"])).toBe(Buffer.from("key").toString("base64"));
  });
});
