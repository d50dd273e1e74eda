import { Effect, Result } from "effect";
import { describe, expect, it } from "vitest";
import { InMemoryCluster } from "../../src/adapters/memory/in-memory-cluster.ts";
import { ManualClock } from "../../src/adapters/memory/manual-clock.ts";
import { completeRun } from "../../src/adapters/memory/run-completion-mutation.ts";
import { refOfJson, type RunJson } from "../../src/adapters/memory/run-json.ts";
import { decodeRunObject } from "../../src/domain/run/run-object.ts";
import { isDone } from "../../src/domain/run/run-completion.ts";
import type { RunWatchEvent } from "../../src/ports/run-source.ts";
import { runJson } from "./run-fixtures.ts";

const run = <A, E>(effect: Effect.Effect<A, E>) => Effect.runPromise(effect);
const failure = <A, E>(effect: Effect.Effect<A, E>) => Effect.runPromise(Effect.flip(effect));

const nameOf = (event: RunWatchEvent): string =>
  event.type === "synced" ? "synced" : `${event.type}:${(event.object as RunJson).metadata.name}`;

const watchInto = async (cluster: InMemoryCluster, events: Array<RunWatchEvent> = []) => {
  const watch = await run(cluster.ports().runSource.watchRuns((event) => events.push(event)));
  return { events, watch };
};

describe("InMemoryCluster watch", () => {
  it("delivers the existing runs as initial, then synced, then live changes", async () => {
    const cluster = new InMemoryCluster();
    cluster.createRun(runJson("a"));
    cluster.createRun(runJson("b", { kind: "PipelineRun" }));
    const { events } = await watchInto(cluster);
    expect(events).toEqual([]); // asynchronous: nothing inside the call
    await cluster.settled();
    expect(events.map(nameOf)).toEqual(["upsert:a", "upsert:b", "synced"]);
    expect(events.slice(0, 2).every((e) => e.type === "upsert" && e.initial)).toBe(true);

    const c = cluster.createRun(runJson("c"));
    cluster.updateRun(refOfJson(c), completeRun("True", new Date("2024-05-01T10:00:00.123Z")));
    cluster.deleteRun(refOfJson(c));
    await cluster.settled();
    expect(events.slice(3).map(nameOf)).toEqual(["upsert:c", "upsert:c", "delete:c"]);
    expect(events.slice(3).every((e) => e.type !== "upsert" || !e.initial)).toBe(true);
    const completed = events[4];
    const decoded = decodeRunObject(completed?.type === "upsert" ? completed.object : undefined);
    expect(Result.isSuccess(decoded) && isDone(decoded.success)).toBe(true);
  });

  it("gives every change a new, increasing resourceVersion", async () => {
    const cluster = new InMemoryCluster();
    const a = cluster.createRun(runJson("a"));
    const { events } = await watchInto(cluster);
    cluster.updateRun(refOfJson(a), completeRun("False", new Date()));
    cluster.createRun(runJson("b"));
    await cluster.settled();
    const versions = events.flatMap((e) => (e.type === "synced" ? [] : [Number((e.object as RunJson).metadata.resourceVersion)]));
    expect(versions).toHaveLength(3);
    expect([...versions].sort((x, y) => x - y)).toEqual(versions);
    expect(new Set(versions).size).toBe(versions.length);
  });

  it("never delivers inside the call that caused the change", async () => {
    const cluster = new InMemoryCluster();
    const a = cluster.createRun(runJson("a", { finalizers: [] }));
    const { events } = await watchInto(cluster);
    await cluster.settled();
    const before = events.length;
    await run(cluster.ports().runWriter.writeRun(refOfJson(a), { uid: a.metadata.uid ?? "", annotations: { "chains.tekton.dev/signed": "true" } }));
    expect(events).toHaveLength(before);
    await cluster.settled();
    expect(events).toHaveLength(before + 1);
  });

  it("feeds several watchers, stops one on request, and redelivers on demand", async () => {
    const cluster = new InMemoryCluster();
    const a = cluster.createRun(runJson("a"));
    const first = await watchInto(cluster);
    const second = await watchInto(cluster);
    await cluster.settled();
    first.watch.stop();
    cluster.redeliver(refOfJson(a));
    await cluster.settled();
    expect(first.events.map(nameOf)).toEqual(["upsert:a", "synced"]);
    expect(second.events.map(nameOf)).toEqual(["upsert:a", "synced", "upsert:a"]);
    const [initial, , again] = second.events;
    expect(again).toEqual({ ...initial, initial: false });
  });

  it("lets a watcher write from its handler without re-entrant delivery", async () => {
    const cluster = new InMemoryCluster();
    const a = cluster.createRun(runJson("a"));
    const ref = refOfJson(a);
    const seen: Array<string> = [];
    let depth = 0;
    await run(
      cluster.ports().runSource.watchRuns((event) => {
        depth += 1;
        expect(depth).toBe(1);
        seen.push(nameOf(event));
        if (event.type === "synced") {
          Effect.runSync(cluster.ports().runWriter.writeRun(ref, { uid: a.metadata.uid ?? "", addFinalizer: "chains.tekton.dev/taskrun" }));
        }
        depth -= 1;
      }),
    );
    await cluster.settled();
    expect(seen).toEqual(["upsert:a", "synced", "upsert:a"]);
  });

  it("hands out copies or frozen objects, so nothing handed out can change the store", async () => {
    const cluster = new InMemoryCluster();
    const a = cluster.createRun(runJson("a", { annotations: { team: "x" } }));
    a.metadata.annotations = { team: "changed" };
    const { events } = await watchInto(cluster);
    await cluster.settled();
    const delivered = events[0];
    if (delivered?.type !== "upsert") throw new Error("expected the run's upsert first");
    expect(() => {
      (delivered.object as RunJson).metadata.name = "mutated";
    }).toThrow(TypeError);
    expect(() => {
      (delivered.object as RunJson).metadata.annotations!["team"] = "mutated";
    }).toThrow(TypeError);
    expect(cluster.getRun(refOfJson(a))?.metadata).toMatchObject({ name: "a", annotations: { team: "x" } });
  });
});

describe("InMemoryCluster writeRun", () => {
  const setup = () => {
    const cluster = new InMemoryCluster();
    const created = cluster.createRun(
      runJson("build", {
        annotations: { "team.example.com/owner": "alice", "chains.tekton.dev/transparency-upload": "true" },
        finalizers: ["example.com/protect"],
      }),
    );
    return { cluster, ref: refOfJson(created), uid: created.metadata.uid ?? "" };
  };

  it("merges chains annotations and leaves every other annotation alone", async () => {
    const { cluster, ref, uid } = setup();
    const updated = (await run(
      cluster.ports().runWriter.writeRun(ref, { uid, annotations: { "chains.tekton.dev/signed": "true" } }),
    )) as RunJson;
    expect(updated.metadata.annotations).toEqual({
      "team.example.com/owner": "alice",
      "chains.tekton.dev/transparency-upload": "true",
      "chains.tekton.dev/signed": "true",
    });
    expect(cluster.getRun(ref)).toEqual(updated);
  });

  it("refuses keys outside chains.tekton.dev/ and writes nothing", async () => {
    const { cluster, ref, uid } = setup();
    const before = cluster.getRun(ref);
    const error = await failure(
      cluster.ports().runWriter.writeRun(ref, { uid, annotations: { "chains.tekton.dev/signed": "true", "tekton.dev/x": "1" } }),
    );
    expect(error._tag).toBe("ForeignAnnotation");
    expect(error._tag === "ForeignAnnotation" && error.key).toBe("tekton.dev/x");
    expect(cluster.getRun(ref)).toEqual(before);
    expect(cluster.writes(ref).map((w) => w.outcome)).toEqual(["ForeignAnnotation"]);
  });

  it("adds a finalizer once and removes only the one named", async () => {
    const { cluster, ref, uid } = setup();
    const service = cluster.ports();
    await run(service.runWriter.writeRun(ref, { uid, addFinalizer: "chains.tekton.dev/taskrun" }));
    await run(service.runWriter.writeRun(ref, { uid, addFinalizer: "chains.tekton.dev/taskrun" }));
    expect(cluster.getRun(ref)?.metadata.finalizers).toEqual(["example.com/protect", "chains.tekton.dev/taskrun"]);
    await run(service.runWriter.writeRun(ref, { uid, removeFinalizer: "chains.tekton.dev/taskrun" }));
    expect(cluster.getRun(ref)?.metadata.finalizers).toEqual(["example.com/protect"]);
    expect(cluster.writes(ref).map((w) => w.outcome)).toEqual(["applied", "unchanged", "applied"]);
  });

  it("keeps the resourceVersion and emits nothing for a write that changes nothing", async () => {
    const { cluster, ref, uid } = setup();
    const { events } = await watchInto(cluster);
    await cluster.settled();
    const version = cluster.getRun(ref)?.metadata.resourceVersion;
    await run(cluster.ports().runWriter.writeRun(ref, { uid, annotations: { "chains.tekton.dev/transparency-upload": "true" } }));
    await cluster.settled();
    expect(cluster.getRun(ref)?.metadata.resourceVersion).toBe(version);
    expect(events.map(nameOf)).toEqual(["upsert:build", "synced"]);
  });

  it("fails with RunGone for a missing run or a re-created one", async () => {
    const { cluster, ref, uid } = setup();
    const service = cluster.ports();
    const other = await failure(service.runWriter.writeRun(ref, { uid: "someone-else", annotations: {} }));
    expect(other).toMatchObject({ _tag: "RunGone", run: "TaskRun/default/build" });
    const missing = await failure(service.runWriter.writeRun({ ...ref, name: "nope" }, { uid }));
    expect(missing._tag).toBe("RunGone");
    cluster.updateRun(ref, (r) => void (r.metadata.finalizers = []));
    cluster.deleteRun(ref);
    cluster.createRun(runJson("build"));
    expect((await failure(service.runWriter.writeRun(ref, { uid, annotations: { "chains.tekton.dev/signed": "true" } })))._tag).toBe(
      "RunGone",
    );
    expect(cluster.getRun(ref)?.metadata.annotations).toBeUndefined();
  });
});

describe("InMemoryCluster deletion", () => {
  it("deletes a run without finalizers at once", async () => {
    const cluster = new InMemoryCluster();
    const a = cluster.createRun(runJson("a"));
    cluster.deleteRun(refOfJson(a));
    expect(cluster.getRun(refOfJson(a))).toBeUndefined();
  });

  it("keeps a run with finalizers until the last one is removed", async () => {
    const clock = new ManualClock(new Date("2024-03-04T05:06:07.890Z"));
    const cluster = new InMemoryCluster({ clock });
    const a = cluster.createRun(runJson("a", { finalizers: ["chains.tekton.dev/taskrun", "example.com/protect"] }));
    const ref = refOfJson(a);
    const uid = a.metadata.uid ?? "";
    const { events } = await watchInto(cluster);
    cluster.deleteRun(ref);
    expect(cluster.getRun(ref)?.metadata.deletionTimestamp).toBe("2024-03-04T05:06:07Z");

    const refused = await failure(cluster.ports().runWriter.writeRun(ref, { uid, addFinalizer: "chains.tekton.dev/other" }));
    expect(refused._tag).toBe("ClusterUnavailable");

    await run(cluster.ports().runWriter.writeRun(ref, { uid, removeFinalizer: "chains.tekton.dev/taskrun" }));
    expect(cluster.getRun(ref)?.metadata.finalizers).toEqual(["example.com/protect"]);
    cluster.updateRun(ref, (r) => void (r.metadata.finalizers = []));
    expect(cluster.getRun(ref)).toBeUndefined();

    const b = cluster.createRun(runJson("b", { finalizers: ["chains.tekton.dev/taskrun"] }));
    cluster.deleteRun(refOfJson(b));
    const last = (await run(
      cluster.ports().runWriter.writeRun(refOfJson(b), {
        uid: b.metadata.uid ?? "",
        annotations: { "chains.tekton.dev/signed": "true" },
        removeFinalizer: "chains.tekton.dev/taskrun",
      }),
    )) as RunJson;
    expect(last.metadata.annotations).toEqual({ "chains.tekton.dev/signed": "true" });
    expect(cluster.getRun(refOfJson(b))).toBeUndefined();
    expect(cluster.writes(refOfJson(b)).map((w) => w.outcome)).toEqual(["deleted"]);

    await cluster.settled();
    expect(events.map(nameOf)).toEqual([
      "upsert:a",
      "synced",
      "upsert:a",
      "upsert:a",
      "delete:a",
      "upsert:b",
      "upsert:b",
      "delete:b",
    ]);
  });
});

describe("InMemoryCluster config, secrets, events and failure injection", () => {
  it("reads config and versioned secrets as copies", async () => {
    const cluster = new InMemoryCluster();
    const service = cluster.ports();
    expect(await run(service.configSource.readConfig())).toEqual({});
    cluster.setConfig({ "artifacts.taskrun.format": "in-toto" });
    const config = await run(service.configSource.readConfig());
    expect(config).toEqual({ "artifacts.taskrun.format": "in-toto" });

    const empty = await run(service.configSource.readSigningSecrets());
    cluster.setSecret("cosign.key", "KEY");
    const one = await run(service.configSource.readSigningSecrets());
    expect(one.version).not.toBe(empty.version);
    expect(new TextDecoder().decode(one.files.get("cosign.key"))).toBe("KEY");
    one.files.get("cosign.key")?.fill(0);
    cluster.setSecret("cosign.key", new TextEncoder().encode("KEY"));
    const same = await run(service.configSource.readSigningSecrets());
    expect(same.version).toBe(one.version);
    expect(new TextDecoder().decode(same.files.get("cosign.key"))).toBe("KEY");
    cluster.deleteSecret("cosign.key");
    const gone = await run(service.configSource.readSigningSecrets());
    expect(gone.version).not.toBe(one.version);
    expect(gone.files.size).toBe(0);
  });

  it("records Events with the clock's time", async () => {
    const clock = new ManualClock(new Date("2024-01-02T03:04:05Z"));
    const cluster = new InMemoryCluster({ clock });
    const ref = { kind: "TaskRun", namespace: "ns", name: "a" } as const;
    await run(cluster.ports().events.recordEvent(ref, { type: "Normal", reason: "FinalizerUpdate", message: "added" }));
    expect(cluster.events()).toEqual([
      { ref, type: "Normal", reason: "FinalizerUpdate", message: "added", time: new Date("2024-01-02T03:04:05Z"), count: 1 },
    ]);
  });

  it("aggregates Events of the same run, type and reason into one with a count, as client-go's recorder does", async () => {
    const clock = new ManualClock(new Date("2024-01-02T03:04:05Z"));
    const cluster = new InMemoryCluster({ clock });
    const a = { kind: "TaskRun", namespace: "ns", name: "a" } as const;
    const b = { kind: "TaskRun", namespace: "ns", name: "b" } as const;
    const record = (ref: typeof a | typeof b, reason: string, message: string) =>
      run(cluster.ports().events.recordEvent(ref, { type: "Warning", reason, message }));
    await record(a, "SigningRetry", "first");
    await record(b, "SigningRetry", "other run");
    clock.advance(1_000);
    await record(a, "SigningRetry", "second");
    await record(a, "SigningFailed", "last");
    expect(cluster.events().map((e) => [e.ref.name, e.reason, e.count, e.message, e.time.toISOString()])).toEqual([
      ["a", "SigningRetry", 2, "second", "2024-01-02T03:04:06.000Z"],
      ["b", "SigningRetry", 1, "other run", "2024-01-02T03:04:05.000Z"],
      ["a", "SigningFailed", 1, "last", "2024-01-02T03:04:06.000Z"],
    ]);
  });

  it.each(["writeRun", "readConfig", "readSigningSecrets", "watch"] as const)(
    "fails exactly the next N %s calls with ClusterUnavailable",
    async (operation) => {
      const cluster = new InMemoryCluster();
      const a = cluster.createRun(runJson("a"));
      const service = cluster.ports();
      const call = (): Effect.Effect<unknown, { readonly _tag: string }> => {
        switch (operation) {
          case "writeRun":
            return service.runWriter.writeRun(refOfJson(a), { uid: a.metadata.uid ?? "", annotations: { "chains.tekton.dev/retries": "0" } });
          case "readConfig":
            return service.configSource.readConfig();
          case "readSigningSecrets":
            return service.configSource.readSigningSecrets();
          case "watch":
            return service.runSource.watchRuns(() => {});
        }
      };
      cluster.failNext(operation, 2, "apiserver down");
      for (let i = 0; i < 2; i++) {
        expect(await failure(call())).toMatchObject({ _tag: "ClusterUnavailable", reason: "apiserver down" });
      }
      await run(call());
    },
  );

  it("a failed write changes nothing", async () => {
    const cluster = new InMemoryCluster();
    const a = cluster.createRun(runJson("a"));
    cluster.failNext("writeRun", 1);
    await failure(cluster.ports().runWriter.writeRun(refOfJson(a), { uid: a.metadata.uid ?? "", addFinalizer: "chains.tekton.dev/taskrun" }));
    expect(cluster.getRun(refOfJson(a))).toEqual(a);
  });
});
