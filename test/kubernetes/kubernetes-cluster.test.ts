import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import { Effect, Result } from "effect";
import { afterEach, describe, expect, it, onTestFinished } from "vitest";
import { KubernetesCluster, type KubernetesClusterOptions } from "../../src/adapters/kubernetes/kubernetes-cluster.ts";
import { PAGE_SIZE } from "../../src/adapters/kubernetes/list-watch.ts";
import type { ClusterPorts } from "../../src/ports/cluster.ts";
import type { RunWatchEvent } from "../../src/ports/run-source.ts";
import { startKubeApiEmulator, type EmulatorOptions, type JsonObject, type KubeApiEmulator } from "../support/kube-api-emulator/index.ts";
import { plainTaskRun } from "./emulated-chains.ts";
import { eventually, until } from "../support/until.ts";

let emu: KubeApiEmulator | undefined;
let cluster: KubernetesCluster | undefined;
afterEach(async () => {
  cluster?.close();
  await emu?.stop();
  cluster = undefined;
  emu = undefined;
});

const timing = { watchTimeoutSeconds: 5, idleTimeoutMs: 10_000, backoffInitialMs: 20, backoffMaxMs: 200 };

const connect = async (emulator: EmulatorOptions = {}, options: Partial<KubernetesClusterOptions> = {}) => {
  emu = await startKubeApiEmulator({ bookmarkIntervalMs: 200, ...emulator });
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromString(emu.kubeconfig());
  cluster = await KubernetesCluster.connect({ kubeConfig, timing, writeRetryDelayMs: 10, ...options });
  return { emu, service: cluster.ports() };
};

const run = <A, E>(effect: Effect.Effect<A, E>) => Effect.runPromise(Effect.result(effect));
const ref = (name: string) => ({ kind: "TaskRun" as const, namespace: "default", name });
const metadataOf = (object: unknown) => (object as { metadata: Record<string, unknown> }).metadata;
const uidOf = (e: KubeApiEmulator, name: string) => String(metadataOf(e.store.get("taskruns", "default", name))["uid"]);

describe("KubernetesCluster.readRun", () => {
  it("reads one run live, and reads a missing one as undefined", async () => {
    const { emu, service } = await connect();
    emu.store.seed(plainTaskRun("a"));
    const found = await run(service.runSource.readRun(ref("a")));
    expect(Result.isSuccess(found) && metadataOf(found.success)["uid"]).toBe(uidOf(emu, "a"));
    const missing = await run(service.runSource.readRun(ref("nope")));
    expect(Result.isSuccess(missing) && missing.success).toBeUndefined();
    expect(emu.requestLog.count({ verb: "get", resource: "taskruns" })).toBe(2);
  });
});

describe("KubernetesCluster.writeRun", () => {
  it("sets chains annotations with one merge patch, leaving other annotations and finalizers alone", async () => {
    const { emu, service } = await connect();
    const seeded = plainTaskRun("a");
    metadataOf(seeded)["annotations"] = { "example.com/keep": "1", "chains.tekton.dev/transparency-upload": "true" };
    metadataOf(seeded)["finalizers"] = ["example.com/keep"];
    emu.store.seed(seeded);
    const written = await run(service.runWriter.writeRun(ref("a"), { uid: uidOf(emu, "a"), annotations: { "chains.tekton.dev/signed": "true" } }));
    expect(Result.isSuccess(written)).toBe(true);
    const meta = metadataOf(emu.store.get("taskruns", "default", "a"));
    expect(meta["annotations"]).toEqual({ "example.com/keep": "1", "chains.tekton.dev/transparency-upload": "true", "chains.tekton.dev/signed": "true" });
    expect(meta["finalizers"]).toEqual(["example.com/keep"]);
    const writes = emu.requestLog.writes({ resource: "taskruns" });
    expect(writes.map((w) => [w.method, w.contentType])).toEqual([["PATCH", "application/merge-patch+json"]]);
    expect(JSON.parse(writes[0]!.body!)).toEqual({ metadata: { uid: uidOf(emu, "a"), annotations: { "chains.tekton.dev/signed": "true" } } });
  });

  it("refuses a key outside chains.tekton.dev/ without sending anything", async () => {
    const { emu, service } = await connect();
    emu.store.seed(plainTaskRun("a"));
    const written = await run(service.runWriter.writeRun(ref("a"), { uid: uidOf(emu, "a"), annotations: { "example.com/x": "y" } }));
    expect(Result.isFailure(written) && written.failure._tag).toBe("ForeignAnnotation");
    expect(emu.requestLog.writes({ resource: "taskruns" })).toHaveLength(0);
  });

  it("answers RunGone for a missing run and for a re-created one (uid precondition)", async () => {
    const { emu, service } = await connect();
    const missing = await run(service.runWriter.writeRun(ref("nope"), { uid: "x", annotations: { "chains.tekton.dev/signed": "true" } }));
    expect(Result.isFailure(missing) && missing.failure._tag).toBe("RunGone");
    emu.store.seed(plainTaskRun("a"));
    const stale = await run(service.runWriter.writeRun(ref("a"), { uid: "an-old-uid", annotations: { "chains.tekton.dev/signed": "true" } }));
    expect(Result.isFailure(stale) && stale.failure._tag).toBe("RunGone");
    const finalizer = await run(service.runWriter.writeRun(ref("a"), { uid: "an-old-uid", addFinalizer: "chains.tekton.dev/taskrun" }));
    expect(Result.isFailure(finalizer) && finalizer.failure._tag).toBe("RunGone");
    expect(metadataOf(emu.store.get("taskruns", "default", "a"))["annotations"]).toBeUndefined();
  });

  it("keeps a finalizer another controller adds between our read and our write", async () => {
    const { emu, service } = await connect();
    const seeded = plainTaskRun("a");
    metadataOf(seeded)["finalizers"] = ["chains.tekton.dev/taskrun"];
    emu.store.seed(seeded);
    // Our GET is answered, then someone else adds a finalizer before our PATCH arrives.
    emu.faults.add({ match: { verb: "patch", resource: "taskruns" }, times: 1, respond: { delayMs: 100 } });
    const writing = run(
      service.runWriter.writeRun(ref("a"), { uid: uidOf(emu, "a"), annotations: { "chains.tekton.dev/signed": "true" }, removeFinalizer: "chains.tekton.dev/taskrun" }),
    );
    await until(() => emu.requestLog.count({ verb: "patch", resource: "taskruns" }) === 1, "our PATCH");
    emu.store.modify("taskruns", "default", "a", (o) => {
      metadataOf(o)["finalizers"] = ["chains.tekton.dev/taskrun", "example.com/other"];
    });
    expect(Result.isSuccess(await writing)).toBe(true);
    const meta = metadataOf(emu.store.get("taskruns", "default", "a"));
    expect(meta["finalizers"]).toEqual(["example.com/other"]);
    expect((meta["annotations"] as Record<string, string>)["chains.tekton.dev/signed"]).toBe("true");
    expect(emu.requestLog.writes({ resource: "taskruns" }).map((w) => w.status)).toEqual([409, 200]);
  });

  it("refuses to add a finalizer to a run being deleted, and removing the last one lets it go", async () => {
    const { emu, service } = await connect();
    const seeded = plainTaskRun("a");
    metadataOf(seeded)["finalizers"] = ["chains.tekton.dev/taskrun"];
    emu.store.seed(seeded);
    emu.store.delete("taskruns", "default", "a");
    const uid = uidOf(emu, "a");
    const add = await run(service.runWriter.writeRun(ref("a"), { uid, addFinalizer: "example.com/more" }));
    expect(Result.isFailure(add) && add.failure._tag).toBe("ClusterUnavailable");
    const remove = await run(service.runWriter.writeRun(ref("a"), { uid, removeFinalizer: "chains.tekton.dev/taskrun" }));
    expect(Result.isSuccess(remove)).toBe(true);
    expect(emu.store.get("taskruns", "default", "a")).toBeUndefined();
  });

  it("gives up on a server that keeps failing with ClusterUnavailable", async () => {
    const { emu, service } = await connect({}, { writeAttempts: 3 });
    emu.store.seed(plainTaskRun("a"));
    emu.faults.add({ match: { verb: "patch" }, times: Infinity, respond: { status: 503 } });
    const written = await run(service.runWriter.writeRun(ref("a"), { uid: uidOf(emu, "a"), annotations: { "chains.tekton.dev/signed": "true" } }));
    expect(Result.isFailure(written) && written.failure._tag).toBe("ClusterUnavailable");
    expect(emu.requestLog.count({ verb: "patch" })).toBe(3);
  });
});

describe("KubernetesCluster reading runs", () => {
  const withObjectParam = (name: string, value: Record<string, string>): JsonObject => {
    const seeded = plainTaskRun(name);
    (seeded["spec"] as Record<string, unknown>)["params"] = [{ name: "config", value }];
    return seeded;
  };
  const paramKeys = (object: unknown): Array<string> =>
    Object.keys((object as { spec: { params: Array<{ value: object }> } }).spec.params[0]!.value);

  // V8's JSON.parse reads the key `"` (sent as `\"`) as `\` once an object had the key `\` in the
  // same place, here after `lead` when no other key has followed `lead` yet
  // (src/domain/serialization/json-text.ts); client-node reads answers with JSON.parse.
  it("reads keys the run's author chose exactly, from the list, the watch and a GET", async () => {
    const { emu, service } = await connect();
    emu.store.seed(withObjectParam("a-backslash", { lead: "", "\\": "x" }), withObjectParam("b-quote", { lead: "", '"': "y" }));
    const keys = new Map<string, Array<string>>();
    const watch = await Effect.runPromise(
      service.runSource.watchRuns((event) => {
        if (event.type !== "synced") keys.set(String(metadataOf(event.object)["name"]), paramKeys(event.object));
      }),
    );
    await until(() => keys.has("b-quote"), "the list");
    emu.store.seed(withObjectParam("c-quote", { lead: "", '"': "z" }));
    await until(() => keys.has("c-quote"), "the watch event");
    watch.stop();
    const read = await run(service.runSource.readRun(ref("b-quote")));
    expect(Object.fromEntries(keys)).toEqual({ "a-backslash": ["lead", "\\"], "b-quote": ["lead", '"'], "c-quote": ["lead", '"'] });
    expect(Result.isSuccess(read) && paramKeys(read.success)).toEqual(["lead", '"']);
  });
});

describe("KubernetesCluster.watchRuns", () => {
  const collect = (service: ClusterPorts) => {
    const events: Array<string> = [];
    const watching = Effect.runPromise(
      service.runSource.watchRuns((event: RunWatchEvent) => {
        const name = event.type === "synced" ? "" : String(metadataOf(event.object)["name"]);
        events.push(event.type === "upsert" ? `upsert ${name}${event.initial ? " initial" : ""}` : `${event.type}${name === "" ? "" : ` ${name}`}`);
      }),
    );
    return { events, watching };
  };

  it("delivers the initial list, then synced, then live changes; after a 410 only what changed", async () => {
    const { emu, service } = await connect();
    emu.store.seed(plainTaskRun("a"), plainTaskRun("b"));
    emu.store.seed({ ...plainTaskRun("p"), kind: "PipelineRun" });
    const { events, watching } = collect(service);
    const watch = await watching;
    await until(() => events.includes("synced") && emu.watches.openCount >= 2, "the sync");
    expect(events.slice(0, 3).sort()).toEqual(["upsert a initial", "upsert b initial", "upsert p initial"]);
    expect(events[3]).toBe("synced");
    emu.store.seed(plainTaskRun("c"));
    await until(() => events.includes("upsert c"), "a live event");

    // While the watch is down, b goes away and a changes; the history is compacted.
    emu.faults.add({ match: { watch: true, resource: "taskruns" }, times: 1, respond: { delayMs: 300 } });
    emu.dropWatches();
    emu.store.delete("taskruns", "default", "b");
    emu.store.modify("taskruns", "default", "a", (o) => {
      metadataOf(o)["labels"] = { changed: "yes" };
    });
    emu.compactHistory();
    await until(() => events.includes("delete b") && events.filter((e) => e === "upsert a").length === 1, "the relist");
    // A relist hands over all its events before it opens the next watch: once that watch is asked
    // for, a c delivered again would be among the events.
    const lastList = () => emu.requestLog.entries({ verb: "list", resource: "taskruns" }).at(-1)?.seq ?? 0;
    await until(() => emu.requestLog.entries({ verb: "watch", resource: "taskruns" }).some((w) => w.seq > lastList()), "the watch after the relist");
    watch.stop();
    // c was unchanged, so the relist did not deliver it again.
    expect(events.filter((e) => e.startsWith("upsert c"))).toEqual(["upsert c"]);
    expect(events.filter((e) => e === "synced")).toHaveLength(1);
  });

  it("lists settled PipelineRuns before any TaskRun, and PipelineRuns to sign after every TaskRun, before synced", async () => {
    const { emu, service } = await connect();
    const pipelineRun = (name: string, signed: boolean): JsonObject => {
      const object = { ...plainTaskRun(name), kind: "PipelineRun" };
      if (signed) metadataOf(object)["annotations"] = { "chains.tekton.dev/signed": "true" };
      return object;
    };
    const child = (name: string, parent: string): JsonObject => {
      const object = plainTaskRun(name);
      metadataOf(object)["labels"] = { "tekton.dev/pipelineRun": parent };
      metadataOf(object)["annotations"] = { "chains.tekton.dev/signed": "true" };
      return object;
    };
    // Names sort the TaskRuns first, as a list across both kinds in one order would give them.
    emu.store.seed(child("a-done-1", "z-done"), child("a-todo-1", "z-todo"), pipelineRun("z-done", true), pipelineRun("z-todo", false));
    const { events, watching } = collect(service);
    const watch = await watching;
    await until(() => events.includes("synced"), "the sync");
    watch.stop();
    expect(events).toEqual(["upsert z-done initial", ...["upsert a-done-1 initial", "upsert a-todo-1 initial"], "upsert z-todo initial", "synced"]);
  });

  it("delivers a later change of a PipelineRun to sign in place of its waiting first-list event", async () => {
    const { emu, service } = await connect();
    emu.store.seed({ ...plainTaskRun("p"), kind: "PipelineRun" }, plainTaskRun("t"));
    // The TaskRun list is held back until the PipelineRun has changed under the open watch.
    const held = emu.faults.add({ match: { verb: "list", resource: "taskruns" }, times: 1, respond: { delayMs: 1_000 } });
    const { events, watching } = collect(service);
    const watch = await watching;
    await until(() => held.hits === 1 && emu.watches.openCount >= 1, "the PipelineRun watch and the TaskRun list");
    emu.store.modify("pipelineruns", "default", "p", (o) => {
      metadataOf(o)["labels"] = { changed: "yes" };
    });
    await until(() => events.includes("synced"), "the sync");
    watch.stop();
    expect(events).toEqual(["upsert p", "upsert t initial", "synced"]);
  });

  it("lists runs in pages of PAGE_SIZE, delivering every run of every page once", async () => {
    const { emu, service } = await connect();
    const count = PAGE_SIZE * 2 + 3;
    for (let i = 0; i < count; i++) emu.store.seed(plainTaskRun(`run-${i}`));
    const { events, watching } = collect(service);
    const watch = await watching;
    await until(() => events.includes("synced"), "the sync");
    watch.stop();
    expect(new Set(events.filter((e) => e.endsWith(" initial"))).size).toBe(count);
    const lists = emu.requestLog.entries({ verb: "list", resource: "taskruns" });
    expect(lists.map((l) => l.query["limit"])).toEqual([String(PAGE_SIZE), String(PAGE_SIZE), String(PAGE_SIZE)]);
    expect(lists.slice(1).every((l) => (l.query["continue"] ?? "") !== "")).toBe(true);
  });

  it("watches only the given namespaces, one list-watch each", async () => {
    const { emu, service } = await connect({}, { namespaces: ["team-a"] });
    emu.store.seed(plainTaskRun("mine", "team-a"), plainTaskRun("theirs", "team-b"));
    const { events, watching } = collect(service);
    const watch = await watching;
    await until(() => events.includes("synced"), "the sync");
    watch.stop();
    expect(events).toEqual(["upsert mine initial", "synced"]);
    expect(emu.requestLog.entries({ verb: "list", resource: "taskruns" }).every((e) => e.namespace === "team-a")).toBe(true);
  });

  it("falls back to tekton.dev/v1beta1 where v1 is not served", async () => {
    const { emu } = await connect({ tektonVersions: ["v1beta1"] });
    expect(cluster!.version).toBe("v1beta1");
    emu.store.seed({ ...plainTaskRun("old"), apiVersion: "tekton.dev/v1beta1" });
    const { events, watching } = collect(cluster!.ports());
    const watch = await watching;
    await until(() => events.includes("synced"), "the sync");
    watch.stop();
    expect(events).toContain("upsert old initial");
    expect(emu.requestLog.entries({ verb: "list", resource: "taskruns" }).every((e) => e.version === "v1beta1")).toBe(true);
  });

  it("refuses to start when Tekton Pipelines is not installed", async () => {
    emu = await startKubeApiEmulator({ tektonVersions: [] });
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromString(emu.kubeconfig());
    await expect(KubernetesCluster.connect({ kubeConfig })).rejects.toThrow(/tekton\.dev/);
  });
});

describe("KubernetesCluster config, secrets and events", () => {
  it("serves chains-config from a watch: updates arrive, reads send no request", async () => {
    const { emu, service } = await connect();
    emu.store.seed({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "chains-config", namespace: "tekton-chains" }, data: { "artifacts.taskrun.format": "in-toto" } });
    expect(Result.getOrThrow(await run(service.configSource.readConfig()))).toEqual({ "artifacts.taskrun.format": "in-toto" });
    emu.store.modify("configmaps", "tekton-chains", "chains-config", (o) => {
      o["data"] = { "artifacts.taskrun.format": "slsa/v1" };
    });
    const readConfig = async () => Result.getOrThrow(await run(service.configSource.readConfig()));
    await eventually(readConfig, (data) => data["artifacts.taskrun.format"] === "slsa/v1", "the updated config");
    expect(await readConfig()).toEqual({ "artifacts.taskrun.format": "slsa/v1" });
    emu.store.delete("configmaps", "tekton-chains", "chains-config");
    await until(() => emu.store.get("configmaps", "tekton-chains", "chains-config") === undefined, "the deletion");
    await eventually(readConfig, (data) => Object.keys(data).length === 0, "the config emptied");
    expect(await readConfig()).toEqual({});
    expect(emu.requestLog.count({ resource: "configmaps", verb: "list" })).toBe(1);
    expect(emu.requestLog.count({ resource: "configmaps", verb: "get" })).toBe(0);
  });

  it("reads signing secrets from the Secret, versioned by its resourceVersion", async () => {
    const { emu, service } = await connect();
    emu.store.seed({ apiVersion: "v1", kind: "Secret", metadata: { name: "signing-secrets", namespace: "tekton-chains" }, data: { "x509.pem": Buffer.from("key-1").toString("base64") } });
    const first = Result.getOrThrow(await run(service.configSource.readSigningSecrets()));
    expect(Buffer.from(first.files.get("x509.pem")!).toString()).toBe("key-1");
    emu.store.modify("secrets", "tekton-chains", "signing-secrets", (o) => {
      o["data"] = { "x509.pem": Buffer.from("key-2").toString("base64") };
    });
    const second = await eventually(
      async () => Result.getOrThrow(await run(service.configSource.readSigningSecrets())),
      (secrets) => secrets.version !== first.version,
      "a new Secret version",
    );
    expect(Buffer.from(second.files.get("x509.pem")!).toString()).toBe("key-2");
  });

  it("reads signing secrets from a mounted directory when one is given, not from the API", async () => {
    const dir = await mkdtemp(join(tmpdir(), "signing-secrets-"));
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    await writeFile(join(dir, "cosign.key"), "from-the-mount");
    const { emu, service } = await connect({}, { signingSecretsDirectory: dir });
    const snapshot = Result.getOrThrow(await run(service.configSource.readSigningSecrets()));
    expect(Buffer.from(snapshot.files.get("cosign.key")!).toString()).toBe("from-the-mount");
    expect(emu.requestLog.count({ resource: "secrets" })).toBe(0);
  });

  it("records an Event on the run from component chains-ts", async () => {
    const { emu, service } = await connect();
    emu.store.seed(plainTaskRun("a"));
    let synced = false;
    const watch = await Effect.runPromise(service.runSource.watchRuns((event) => (synced ||= event.type === "synced")));
    await until(() => synced, "the first list of runs");
    await Effect.runPromise(service.events.recordEvent(ref("a"), { type: "Warning", reason: "SigningRetry", message: "no key" }));
    watch.stop();
    const events = emu.store.list("events", "default") as Array<JsonObject & { involvedObject: Record<string, string>; source: { component: string } }>;
    expect(events).toHaveLength(1);
    expect(events[0]!.involvedObject).toMatchObject({ kind: "TaskRun", name: "a", namespace: "default", uid: uidOf(emu, "a"), apiVersion: "tekton.dev/v1" });
    expect(events[0]!.source.component).toBe("chains-ts");
    expect(events[0]).toMatchObject({ type: "Warning", reason: "SigningRetry", message: "no key" });
  });

  it("reports a failing Event write as a log line, not an error", async () => {
    const lines: Array<string> = [];
    const { emu, service } = await connect({}, { log: (_level, message) => lines.push(message) });
    emu.faults.add({ match: { resource: "events" }, times: 1, respond: { status: 500 } });
    await Effect.runPromise(service.events.recordEvent(ref("a"), { type: "Normal", reason: "X", message: "y" }));
    expect(lines.some((l) => l.includes("could not record Event X"))).toBe(true);
  });
});

describe("KubernetesCluster watch supervision", () => {
  it("re-opens watches the server ends and streams that go silent, and still delivers", async () => {
    const { emu } = await connect(
      // No bookmarks: the streams go silent.
      { bookmarkIntervalMs: 60_000 },
      { timing: { watchTimeoutSeconds: 1, idleTimeoutMs: 300, backoffInitialMs: 20, backoffMaxMs: 200 } },
    );
    const seen: Array<string> = [];
    const watch = await Effect.runPromise(
      cluster!.ports().runSource.watchRuns((event) => {
        if (event.type === "upsert") seen.push(String(metadataOf(event.object)["name"]));
      }),
    );
    await until(() => emu.requestLog.count({ verb: "watch", resource: "taskruns" }) >= 4, "re-opened watches", 10_000);
    emu.store.seed(plainTaskRun("later"));
    await until(() => seen.includes("later"), "a run created after the re-watches");
    watch.stop();
    // Re-watching resumed from a resourceVersion: never a relist.
    expect(emu.requestLog.count({ verb: "list", resource: "taskruns" })).toBe(1);
  });
});

describe("KubernetesCluster.recordEvent", () => {
  it("aggregates repeats (same run, type and reason) into one Event with a count, as client-go's recorder does", async () => {
    const { emu, service } = await connect();
    emu.store.seed(plainTaskRun("a"));
    const record = (reason: string, message: string) => run(service.events.recordEvent(ref("a"), { type: "Warning", reason, message }));
    await record("SigningRetry", "first");
    await record("SigningRetry", "second");
    await record("SigningRetry", "third");
    await record("SigningFailed", "last");
    const events = emu.store.list("events", "default") as Array<{ reason: string; count: number; message: string; firstTimestamp: string; lastTimestamp: string }>;
    expect(events.map((e) => [e.reason, e.count, e.message]).sort()).toEqual([
      ["SigningFailed", 1, "last"],
      ["SigningRetry", 3, "third"],
    ]);
    expect(emu.requestLog.count({ verb: "create", resource: "events" })).toBe(2);

    // An Event deleted meanwhile (expired, or removed by hand) is created anew.
    for (const event of emu.store.list("events", "default")) {
      const name = (event["metadata"] as { name: string }).name;
      emu.store.delete("events", "default", name);
    }
    await record("SigningRetry", "fourth");
    expect((emu.store.list("events", "default") as Array<{ count: number; message: string }>).map((e) => [e.count, e.message])).toEqual([[1, "fourth"]]);
  });
});
