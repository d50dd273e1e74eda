import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { RunJson } from "../../src/adapters/memory/run-json.ts";
import { sampleRuns } from "../../src/app/demo/sample-runs.ts";
import { EmbeddedChains } from "../../src/app/harness/embedded-chains.ts";
import { ManualClock } from "../../src/adapters/memory/manual-clock.ts";
import type { RunRef } from "../../src/domain/run/run-ref.ts";
import { advancing } from "../support/manual-time.ts";

const RUNS = 3;

type Command =
  | { readonly op: "complete" | "redeliver"; readonly run: number }
  | { readonly op: "restart" }
  /** Time passes: retries falling due in it start. */
  | { readonly op: "advance"; readonly ms: number }
  | { readonly op: "fail-tlog" | "fail-writes" | "fail-secrets"; readonly times: number };

const command: fc.Arbitrary<Command> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ op: fc.constantFrom("complete", "redeliver"), run: fc.nat(RUNS - 1) }) },
  { weight: 1, arbitrary: fc.constant({ op: "restart" as const }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("advance" as const), ms: fc.integer({ min: 1, max: 100 }) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constantFrom("fail-tlog", "fail-writes", "fail-secrets"), times: fc.integer({ min: 1, max: 5 }) }) },
);

const refOf = (i: number): RunRef => ({ kind: "TaskRun", namespace: "default", name: `run-${i}` });

/** Even runs declare an image (provenance + image signature), odd ones only provenance; all opt in to manual uploads. */
const template = (i: number): RunJson => {
  const base = structuredClone(sampleRuns().taskRuns[i % 2 === 0 ? 0 : 1]!);
  return {
    ...base,
    metadata: { ...base.metadata, name: `run-${i}`, annotations: { ...base.metadata.annotations, "chains.tekton.dev/transparency-upload": "true" } },
  };
};

const isDone = (run: RunJson) => (run["status"] as { completionTime?: string }).completionTime !== undefined;

const apply = async (chains: EmbeddedChains, clock: ManualClock, cmd: Command) => {
  switch (cmd.op) {
    case "complete":
      if (!isDone(chains.cluster.getRun(refOf(cmd.run))!)) chains.completeRun(refOf(cmd.run));
      break;
    case "redeliver":
      chains.cluster.redeliver(refOf(cmd.run));
      break;
    case "restart":
      await chains.restart();
      break;
    case "advance":
      clock.advance(cmd.ms);
      break;
    case "fail-tlog":
      chains.transparencyLog.failNext(cmd.times, "injected: Rekor unavailable");
      break;
    case "fail-writes":
      chains.cluster.failNext("writeRun", cmd.times, "injected: API server unavailable");
      break;
    case "fail-secrets":
      chains.cluster.failNext("readSigningSecrets", cmd.times, "injected: secret read failed");
      break;
  }
  await chains.cluster.settled();
};

/** Runs every command, completes every run and waits until each is signed or failed. */
const play = async (chains: EmbeddedChains, clock: ManualClock, commands: ReadonlyArray<Command>) => {
  for (let i = 0; i < RUNS; i++) chains.cluster.createRun(template(i));
  for (const cmd of commands) await apply(chains, clock, cmd);
  for (let i = 0; i < RUNS; i++) await apply(chains, clock, { op: "complete", run: i });
  for (let i = 0; i < RUNS; i++) await advancing(clock, chains.awaitSigned(refOf(i)), `run-${i} signed or failed`);
  await chains.cluster.settled();
};

const signatureKeys = (annotations: Readonly<Record<string, string>>) =>
  Object.keys(annotations)
    .filter((k) => k.startsWith("chains.tekton.dev/signature-"))
    .map((k) => k.slice("chains.tekton.dev/signature-".length));

const indexOf = (url: string | undefined): number | undefined => {
  const match = /\?logIndex=(\d+)$/.exec(url ?? "");
  return match === null ? undefined : Number(match[1]);
};

const outcomes = { signed: 0, uploads: 0 };
describe("transparency log uploads under arbitrary interleavings (in-memory log)", () => {
  // With transparency.enabled "true", a run is never marked signed=true unless every signature it
  // stored is in the log: its chains.tekton.dev/transparency-<key> names an entry logging exactly that signature.
  it("never marks a run signed without a log entry for each of its signatures", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 20 }), async (commands) => {
        const clock = new ManualClock();
        const chains = await EmbeddedChains.start({
          config: { "transparency.enabled": "true", "artifacts.oci.storage": "tekton" },
          controller: { workers: 2 },
          clock,
        });
        try {
          await play(chains, clock, commands);
          const logged = new Map(chains.transparencyLog.entries().map((e) => [e.logIndex, e]));
          for (let i = 0; i < RUNS; i++) {
            const annotations = chains.cluster.getRun(refOf(i))!.metadata.annotations ?? {};
            if (annotations["chains.tekton.dev/signed"] !== "true") continue;
            outcomes.signed++;
            const keys = signatureKeys(annotations);
            expect(keys.length).toBe(i % 2 === 0 ? 2 : 1);
            for (const key of keys) {
              const entry = logged.get(indexOf(annotations[`chains.tekton.dev/transparency-${key}`])!);
              expect(entry, `run-${i} ${key}`).toBeDefined();
              expect(Buffer.from(entry!.upload.signature).toString("base64")).toBe(annotations[`chains.tekton.dev/signature-${key}`]);
            }
            expect(Object.values(annotations)).toContain(annotations["chains.tekton.dev/transparency"]);
          }
        } finally {
          await chains.stop();
        }
      }),
      { numRuns: 30 },
    );
    expect(outcomes.signed).toBeGreaterThan(0);
  });

  // With transparency.enabled "manual", no artifact of a run is ever uploaded twice: across failed
  // uploads, failed cluster writes and retries the log holds at most one entry per artifact of each
  // opted-in run. (Restarts are left out: the run's annotations are the only durable state, so a
  // controller killed between an upload and the write that records it uploads a fresh signature again.)
  it("never uploads an artifact twice in manual mode", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(command.filter((c) => c.op !== "restart"), { minLength: 1, maxLength: 20 }), async (commands) => {
        const clock = new ManualClock();
        const chains = await EmbeddedChains.start({
          config: { "transparency.enabled": "manual", "artifacts.oci.storage": "tekton" },
          controller: { workers: 2 },
          clock,
        });
        try {
          await play(chains, clock, commands);
          const entries = chains.transparencyLog.entries();
          outcomes.uploads += entries.length;
          const artifacts = Array.from({ length: RUNS }, (_, i) => (i % 2 === 0 ? 2 : 1)).reduce((a, b) => a + b, 0);
          expect(entries.length).toBeLessThanOrEqual(artifacts);
          const signatures = entries.map((e) => Buffer.from(e.upload.signature).toString("base64"));
          expect(new Set(signatures).size).toBe(signatures.length);
        } finally {
          await chains.stop();
        }
      }),
      { numRuns: 30 },
    );
    expect(outcomes.uploads).toBeGreaterThan(0);
  });
});
