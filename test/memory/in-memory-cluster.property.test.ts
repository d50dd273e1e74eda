import { Effect, Exit } from "effect";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { InMemoryCluster } from "../../src/adapters/memory/in-memory-cluster.ts";
import { refOfJson, type RunJson } from "../../src/adapters/memory/run-json.ts";
import { CHAINS_PREFIX } from "../../src/domain/annotations/chains-annotations.ts";
import type { RunWatchEvent } from "../../src/ports/run-source.ts";
import type { RunWrite } from "../../src/ports/run-writer.ts";
import { runJson } from "./run-fixtures.ts";

const chainsFinalizers = ["chains.tekton.dev/taskrun", "chains.tekton.dev/pipelinerun", "chains.tekton.dev"];

const word = fc.stringMatching(/^[a-z0-9]{1,8}$/);
const foreignKey = fc.oneof(
  word.map((w) => `example.com/${w}`),
  word.map((w) => `chains.tekton.dev.${w}`),
  word.map((w) => `tekton.dev/${w}`),
  word,
);
const chainsKey = word.map((w) => `${CHAINS_PREFIX}${w}`);
const foreignFinalizer = word.map((w) => `example.com/${w}`);

interface Step {
  readonly annotations: Record<string, string>;
  readonly foreign: string | undefined;
  readonly addFinalizer: string | undefined;
  readonly removeFinalizer: string | undefined;
  readonly staleUid: boolean;
  readonly outage: boolean;
}

const step: fc.Arbitrary<Step> = fc.record({
  annotations: fc.dictionary(chainsKey, fc.string(), { maxKeys: 3 }),
  foreign: fc.option(foreignKey, { nil: undefined }),
  addFinalizer: fc.option(fc.constantFrom(...chainsFinalizers), { nil: undefined }),
  removeFinalizer: fc.option(fc.constantFrom(...chainsFinalizers), { nil: undefined }),
  staleUid: fc.boolean(),
  outage: fc.boolean(),
});

const scenario = fc.record({
  annotations: fc.dictionary(foreignKey, fc.string(), { maxKeys: 4 }),
  finalizers: fc.uniqueArray(foreignFinalizer, { maxLength: 3 }),
  steps: fc.array(step, { maxLength: 15 }),
});

const writeOf = (s: Step, uid: string): RunWrite => ({
  uid: s.staleUid ? `${uid}-old` : uid,
  annotations: s.foreign === undefined ? s.annotations : { ...s.annotations, [s.foreign]: "x" },
  ...(s.addFinalizer === undefined ? {} : { addFinalizer: s.addFinalizer }),
  ...(s.removeFinalizer === undefined ? {} : { removeFinalizer: s.removeFinalizer }),
});

const foreignPart = (run: RunJson | undefined) => ({
  annotations: Object.entries(run?.metadata.annotations ?? {}).filter(([k]) => !k.startsWith(CHAINS_PREFIX)),
  finalizers: (run?.metadata.finalizers ?? []).filter((f) => !chainsFinalizers.includes(f)),
});

describe("InMemoryCluster writes (properties)", () => {
  // For any sequence of writes, successful or not, the non-chains annotations and the finalizers chains does not own stay exactly as they were.
  it("never touches non-chains annotations or foreign finalizers", async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async ({ annotations, finalizers, steps }) => {
        const cluster = new InMemoryCluster();
        const created = cluster.createRun(runJson("r", { annotations, finalizers }));
        const ref = refOfJson(created);
        const before = foreignPart(created);
        for (const s of steps) {
          // The foreign-key check refuses before the request is sent, so an unused injection is reset here.
          cluster.failNext("writeRun", s.outage ? 1 : 0);
          await Effect.runPromiseExit(cluster.ports().runWriter.writeRun(ref, writeOf(s, created.metadata.uid ?? "")));
          expect(foreignPart(cluster.getRun(ref))).toEqual(before);
        }
      }),
    );
  });

  // For any sequence of writes, the stored chains annotations and finalizers are those of the successful writes applied in order, and only those writes succeed.
  it("applies exactly the writes that succeed, atomically and in order", async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async ({ annotations, finalizers, steps }) => {
        const cluster = new InMemoryCluster();
        const created = cluster.createRun(runJson("r", { annotations, finalizers }));
        const ref = refOfJson(created);
        const model = { annotations: { ...annotations }, finalizers: [...finalizers] };
        for (const s of steps) {
          // The foreign-key check refuses before the request is sent, so an unused injection is reset here.
          cluster.failNext("writeRun", s.outage ? 1 : 0);
          const exit = await Effect.runPromiseExit(cluster.ports().runWriter.writeRun(ref, writeOf(s, created.metadata.uid ?? "")));
          const accepted = s.foreign === undefined && !s.outage && !s.staleUid;
          expect(Exit.isSuccess(exit)).toBe(accepted);
          if (accepted) {
            Object.assign(model.annotations, s.annotations);
            if (s.addFinalizer !== undefined && !model.finalizers.includes(s.addFinalizer)) model.finalizers.push(s.addFinalizer);
            model.finalizers = model.finalizers.filter((f) => f !== s.removeFinalizer);
          }
          const stored = cluster.getRun(ref);
          expect(stored?.metadata.annotations ?? {}).toEqual(model.annotations);
          expect(stored?.metadata.finalizers ?? []).toEqual(model.finalizers);
          if (Exit.isSuccess(exit)) expect(exit.value).toEqual(stored);
        }
      }),
    );
  });

  // For any sequence of writes, a watcher's last event for the run is the stored object, so a watch-fed cache converges.
  it("lets a watcher converge on the stored object", async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async ({ annotations, finalizers, steps }) => {
        const cluster = new InMemoryCluster();
        const created = cluster.createRun(runJson("r", { annotations, finalizers }));
        const ref = refOfJson(created);
        let last: RunWatchEvent | undefined;
        await Effect.runPromise(
          cluster.ports().runSource.watchRuns((event) => {
            if (event.type !== "synced") last = event;
          }),
        );
        for (const s of steps) {
          await Effect.runPromiseExit(cluster.ports().runWriter.writeRun(ref, writeOf(s, created.metadata.uid ?? "")));
        }
        await cluster.settled();
        expect(last?.type === "upsert" ? last.object : undefined).toEqual(cluster.getRun(ref));
      }),
    );
  });
});
