import { Effect, Result } from "effect";
import { afterEach, describe, expect, it } from "vitest";
import type { RunJson } from "../../src/adapters/memory/run-json.ts";
import { sampleRuns } from "../../src/app/demo/sample-runs.ts";
import type { RunKind } from "../../src/domain/run/run-object.ts";
import type { RunRef } from "../../src/domain/run/run-ref.ts";
import type { ClusterPorts } from "../../src/ports/cluster.ts";
import type { RunWatchEvent } from "../../src/ports/run-source.ts";
import { eventually } from "../support/until.ts";

/** An Event as `kubectl describe` would show it, on a run or on the `chains-config` ConfigMap. */
export interface ObservedEvent {
  readonly kind: string;
  readonly name: string;
  readonly type: string;
  readonly reason: string;
  readonly message: string;
  readonly count: number;
}

/**
 * One cluster adapter under test, with what the rest of the cluster (Tekton, users, other
 * controllers) does to it from the outside.
 */
export interface ClusterUnderTest {
  readonly ports: ClusterPorts;
  /** Creates a run as Tekton would; resolves to its uid. */
  readonly createRun: (run: RunJson) => Promise<string>;
  readonly updateRun: (ref: RunRef, change: (run: RunJson) => void) => Promise<void>;
  /** `kubectl delete`: finalizers hold the run back with a deletionTimestamp. */
  readonly deleteRun: (ref: RunRef) => Promise<void>;
  readonly getRun: (ref: RunRef) => Promise<RunJson | undefined>;
  /** Replaces the `chains-config` data. */
  readonly setConfig: (data: Readonly<Record<string, string>>) => Promise<void>;
  /** Replaces the `signing-secrets` files. */
  readonly setSecrets: (files: Readonly<Record<string, string>>) => Promise<void>;
  readonly events: () => Promise<ReadonlyArray<ObservedEvent>>;
  /**
   * Starts `write`, applies `change` to the stored run once the write is in flight (its view of
   * the run already taken), and resolves to the write's result.
   */
  readonly raceWrite: <A>(ref: RunRef, write: () => Promise<A>, change: (run: RunJson) => void) => Promise<A>;
  readonly close: () => Promise<void>;
}

const FINALIZER = "chains.tekton.dev/taskrun";
const SIGNED = "chains.tekton.dev/signed";

export const runNamed = (kind: RunKind, name: string, namespace = "default"): RunJson => {
  const samples = sampleRuns();
  const run = structuredClone(kind === "TaskRun" ? samples.taskRuns[1]! : samples.pipelineRun);
  run.metadata = { ...run.metadata, name, namespace };
  delete run.metadata.uid;
  delete run.metadata.resourceVersion;
  return run;
};

const refOf = (kind: RunKind, name: string): RunRef => ({ kind, namespace: "default", name });

const attempt = <A, E>(effect: Effect.Effect<A, E>) => Effect.runPromise(Effect.result(effect));

const nameOf = (object: unknown): string => String((object as { metadata?: { name?: unknown } }).metadata?.name);

/**
 * What the controller relies on from the cluster ports, asserted the same way on every adapter:
 * the in-memory fake must behave as the Kubernetes adapter on an API server does, or tests on the
 * fake prove nothing.
 */
export const clusterContract = (adapter: string, make: () => Promise<ClusterUnderTest>): void => {
  describe(`the cluster ports on ${adapter}`, () => {
    let current: ClusterUnderTest | undefined;
    afterEach(async () => {
      await current?.close();
      current = undefined;
    });
    const start = async () => (current = await make());

    describe("RunSource", () => {
      it("lists every run as initial, then synced, then streams creations, changes and deletions", async () => {
        const cluster = await start();
        const names = Array.from({ length: 12 }, (_, i) => `listed-${i}`);
        for (const name of names) await cluster.createRun(runNamed("TaskRun", name));
        await cluster.createRun(runNamed("PipelineRun", "pipeline"));
        const events: Array<RunWatchEvent> = [];
        const watch = await Effect.runPromise(cluster.ports.runSource.watchRuns((event) => events.push(event)));
        try {
          await eventually(async () => events.length, () => events.some((e) => e.type === "synced"), "synced");
          const synced = events.findIndex((e) => e.type === "synced");
          const initial = events.slice(0, synced);
          expect(initial.every((e) => e.type === "upsert" && e.initial)).toBe(true);
          expect(initial.map((e) => (e.type === "synced" ? "" : nameOf(e.object))).sort()).toEqual([...names, "pipeline"].sort());

          await cluster.createRun(runNamed("TaskRun", "live"));
          await cluster.updateRun(refOf("TaskRun", "listed-0"), (run) => {
            run.metadata.labels = { ...run.metadata.labels, changed: "yes" };
          });
          await cluster.deleteRun(refOf("TaskRun", "listed-1"));
          const live = () => events.slice(synced + 1).map((e) => (e.type === "synced" ? "synced" : `${e.type} ${nameOf(e.object)}`));
          await eventually(async () => live(), (seen) => seen.includes("delete listed-1"), "the live events");
          expect(live()).toEqual(["upsert live", "upsert listed-0", "delete listed-1"]);
          expect(events.slice(synced + 1).every((e) => e.type !== "upsert" || !e.initial)).toBe(true);
        } finally {
          watch.stop();
        }
      });

      it("delivers the run as written by the run writer", async () => {
        const cluster = await start();
        const uid = await cluster.createRun(runNamed("TaskRun", "a"));
        const events: Array<RunWatchEvent> = [];
        const watch = await Effect.runPromise(cluster.ports.runSource.watchRuns((event) => events.push(event)));
        try {
          await eventually(async () => events.length, () => events.some((e) => e.type === "synced"), "synced");
          await Effect.runPromise(cluster.ports.runWriter.writeRun(refOf("TaskRun", "a"), { uid, annotations: { [SIGNED]: "true" } }));
          const signedSeen = (e: RunWatchEvent) =>
            e.type === "upsert" && !e.initial && (e.object as RunJson).metadata.annotations?.[SIGNED] === "true";
          await eventually(async () => events.filter(signedSeen).length, (n) => n === 1, "the write on the watch");
        } finally {
          watch.stop();
        }
      });

      it("reads one run live, and a missing one as undefined", async () => {
        const cluster = await start();
        const uid = await cluster.createRun(runNamed("TaskRun", "a"));
        const found = await Effect.runPromise(cluster.ports.runSource.readRun(refOf("TaskRun", "a")));
        expect((found as RunJson).metadata.uid).toBe(uid);
        expect(await Effect.runPromise(cluster.ports.runSource.readRun(refOf("TaskRun", "nope")))).toBeUndefined();
      });
    });

    describe("RunWriter", () => {
      it("merges chains annotations into the others and deletes the ones asked, leaving finalizers alone", async () => {
        const cluster = await start();
        const run = runNamed("TaskRun", "a");
        run.metadata.annotations = { "example.com/keep": "1", "chains.tekton.dev/retries": "2" };
        run.metadata.finalizers = ["example.com/keep"];
        const uid = await cluster.createRun(run);
        const ref = refOf("TaskRun", "a");
        await Effect.runPromise(cluster.ports.runWriter.writeRun(ref, { uid, annotations: { [SIGNED]: "true" } }));
        await Effect.runPromise(cluster.ports.runWriter.writeRun(ref, { uid, removeAnnotations: ["chains.tekton.dev/retries"] }));
        const stored = await cluster.getRun(ref);
        expect(stored?.metadata.annotations).toEqual({ "example.com/keep": "1", [SIGNED]: "true" });
        expect(stored?.metadata.finalizers).toEqual(["example.com/keep"]);
      });

      it("refuses an annotation outside chains.tekton.dev/ and writes nothing", async () => {
        const cluster = await start();
        const uid = await cluster.createRun(runNamed("TaskRun", "a"));
        const ref = refOf("TaskRun", "a");
        const before = await cluster.getRun(ref);
        const written = await attempt(
          cluster.ports.runWriter.writeRun(ref, { uid, annotations: { [SIGNED]: "true", "example.com/x": "y" } }),
        );
        expect(Result.isFailure(written) && written.failure._tag).toBe("ForeignAnnotation");
        expect(await cluster.getRun(ref)).toEqual(before);
      });

      it("adds the finalizer once, keeps other finalizers, and removes it", async () => {
        const cluster = await start();
        const run = runNamed("TaskRun", "a");
        run.metadata.finalizers = ["example.com/other"];
        const uid = await cluster.createRun(run);
        const ref = refOf("TaskRun", "a");
        const writer = cluster.ports.runWriter;
        await Effect.runPromise(writer.writeRun(ref, { uid, addFinalizer: FINALIZER }));
        await Effect.runPromise(writer.writeRun(ref, { uid, addFinalizer: FINALIZER }));
        expect((await cluster.getRun(ref))?.metadata.finalizers).toEqual(["example.com/other", FINALIZER]);
        await Effect.runPromise(writer.writeRun(ref, { uid, annotations: { [SIGNED]: "true" }, removeFinalizer: FINALIZER }));
        const stored = await cluster.getRun(ref);
        expect(stored?.metadata.finalizers).toEqual(["example.com/other"]);
        expect(stored?.metadata.annotations?.[SIGNED]).toBe("true");
      });

      it("never adds the finalizer to a run already signed", async () => {
        const cluster = await start();
        const run = runNamed("TaskRun", "a");
        run.metadata.annotations = { [SIGNED]: "true" };
        const uid = await cluster.createRun(run);
        const ref = refOf("TaskRun", "a");
        await Effect.runPromise(cluster.ports.runWriter.writeRun(ref, { uid, addFinalizer: FINALIZER }));
        expect((await cluster.getRun(ref))?.metadata.finalizers).toBeUndefined();
      });

      it("refuses a new finalizer on a run being deleted, and removing the last one lets the run go", async () => {
        const cluster = await start();
        const run = runNamed("TaskRun", "a");
        run.metadata.finalizers = [FINALIZER];
        const uid = await cluster.createRun(run);
        const ref = refOf("TaskRun", "a");
        await cluster.deleteRun(ref);
        expect((await cluster.getRun(ref))?.metadata.deletionTimestamp).toBeDefined();
        const added = await attempt(cluster.ports.runWriter.writeRun(ref, { uid, addFinalizer: "chains.tekton.dev/pipelinerun" }));
        expect(Result.isFailure(added) && added.failure._tag).toBe("ClusterUnavailable");
        await Effect.runPromise(cluster.ports.runWriter.writeRun(ref, { uid, removeFinalizer: FINALIZER }));
        expect(await cluster.getRun(ref)).toBeUndefined();
      });

      it("answers RunGone for a missing run and for one deleted and re-created (uid precondition)", async () => {
        const cluster = await start();
        const ref = refOf("TaskRun", "a");
        const missing = await attempt(cluster.ports.runWriter.writeRun(ref, { uid: "none", annotations: { [SIGNED]: "true" } }));
        expect(Result.isFailure(missing) && missing.failure._tag).toBe("RunGone");
        const oldUid = await cluster.createRun(runNamed("TaskRun", "a"));
        await cluster.deleteRun(ref);
        await cluster.createRun(runNamed("TaskRun", "a"));
        for (const write of [{ annotations: { [SIGNED]: "true" } }, { addFinalizer: FINALIZER }, { removeFinalizer: FINALIZER }]) {
          const stale = await attempt(cluster.ports.runWriter.writeRun(ref, { uid: oldUid, ...write }));
          expect(Result.isFailure(stale) && stale.failure._tag).toBe("RunGone");
        }
        const stored = await cluster.getRun(ref);
        expect(stored?.metadata.annotations?.[SIGNED]).toBeUndefined();
        expect(stored?.metadata.finalizers).toBeUndefined();
      });

      it("does not lose a finalizer another controller adds while a finalizer removal is in flight", async () => {
        const cluster = await start();
        const run = runNamed("TaskRun", "a");
        run.metadata.finalizers = [FINALIZER];
        const uid = await cluster.createRun(run);
        const ref = refOf("TaskRun", "a");
        const written = await cluster.raceWrite(
          ref,
          () => attempt(cluster.ports.runWriter.writeRun(ref, { uid, annotations: { [SIGNED]: "true" }, removeFinalizer: FINALIZER })),
          (live) => {
            live.metadata.finalizers = [...(live.metadata.finalizers ?? []), "example.com/other"];
          },
        );
        expect(Result.isSuccess(written)).toBe(true);
        const stored = await cluster.getRun(ref);
        expect(stored?.metadata.finalizers).toEqual(["example.com/other"]);
        expect(stored?.metadata.annotations?.[SIGNED]).toBe("true");
      });

      it("does not put the finalizer back on a run signed while the finalizer write is in flight", async () => {
        const cluster = await start();
        const uid = await cluster.createRun(runNamed("TaskRun", "a"));
        const ref = refOf("TaskRun", "a");
        const written = await cluster.raceWrite(
          ref,
          () => attempt(cluster.ports.runWriter.writeRun(ref, { uid, addFinalizer: FINALIZER })),
          (live) => {
            live.metadata.annotations = { ...live.metadata.annotations, [SIGNED]: "true" };
          },
        );
        expect(Result.isSuccess(written)).toBe(true);
        const stored = await cluster.getRun(ref);
        expect(stored?.metadata.finalizers).toBeUndefined();
        expect(stored?.metadata.annotations?.[SIGNED]).toBe("true");
      });
    });

    describe("ConfigSource", () => {
      it("reads chains-config as empty while it is missing, then its data, and sees every change", async () => {
        const cluster = await start();
        const source = cluster.ports.configSource;
        expect(await Effect.runPromise(source.readConfig())).toEqual({});
        await cluster.setConfig({ "artifacts.taskrun.format": "in-toto" });
        await eventually(() => Effect.runPromise(source.readConfig()), (data) => data["artifacts.taskrun.format"] === "in-toto", "the config");
        await cluster.setConfig({ "artifacts.taskrun.format": "slsa/v2alpha4", "artifacts.oci.storage": "" });
        const changed = await eventually(
          () => Effect.runPromise(source.readConfig()),
          (data) => data["artifacts.taskrun.format"] === "slsa/v2alpha4",
          "the changed config",
        );
        expect(changed).toEqual({ "artifacts.taskrun.format": "slsa/v2alpha4", "artifacts.oci.storage": "" });
      });

      it("reads the signing secrets' files, with a version that changes whenever they do", async () => {
        const cluster = await start();
        const source = cluster.ports.configSource;
        const text = (files: ReadonlyMap<string, Uint8Array>, name: string) => {
          const bytes = files.get(name);
          return bytes === undefined ? undefined : Buffer.from(bytes).toString();
        };
        expect((await Effect.runPromise(source.readSigningSecrets())).files.size).toBe(0);
        await cluster.setSecrets({ "cosign.key": "first", "cosign.password": "pw" });
        const first = await eventually(() => Effect.runPromise(source.readSigningSecrets()), (s) => s.files.size === 2, "the secrets");
        expect(text(first.files, "cosign.key")).toBe("first");
        const again = await Effect.runPromise(source.readSigningSecrets());
        expect(again.version).toBe(first.version);
        await cluster.setSecrets({ "cosign.key": "second", "cosign.password": "pw" });
        const second = await eventually(
          () => Effect.runPromise(source.readSigningSecrets()),
          (s) => text(s.files, "cosign.key") === "second",
          "the changed secrets",
        );
        expect(second.version).not.toBe(first.version);
        expect(text(second.files, "cosign.password")).toBe("pw");
      });
    });

    describe("ClusterEvents", () => {
      it("records Events on runs, a repeat counted on the first, and on chains-config", async () => {
        const cluster = await start();
        await cluster.createRun(runNamed("TaskRun", "a"));
        const ref = refOf("TaskRun", "a");
        const events = cluster.ports.events;
        await Effect.runPromise(events.recordEvent(ref, { type: "Normal", reason: "FinalizerUpdate", message: "first" }));
        await Effect.runPromise(events.recordEvent(ref, { type: "Warning", reason: "SigningRetry", message: "once" }));
        await Effect.runPromise(events.recordEvent(ref, { type: "Normal", reason: "FinalizerUpdate", message: "second" }));
        await Effect.runPromise(events.recordConfigEvent({ type: "Warning", reason: "ConfigRejected", message: "bad key" }));
        const recorded = [...(await cluster.events())].sort((a, b) => a.reason.localeCompare(b.reason));
        expect(recorded).toEqual([
          { kind: "ConfigMap", name: "chains-config", type: "Warning", reason: "ConfigRejected", message: "bad key", count: 1 },
          { kind: "TaskRun", name: "a", type: "Normal", reason: "FinalizerUpdate", message: "second", count: 2 },
          { kind: "TaskRun", name: "a", type: "Warning", reason: "SigningRetry", message: "once", count: 1 },
        ]);
      });
    });
  });
};
