import { createPublicKey, verify } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { InMemoryArtifactStore } from "../../src/adapters/memory/in-memory-artifact-store.ts";
import { ManualClock } from "../../src/adapters/memory/manual-clock.ts";
import type { RunJson } from "../../src/adapters/memory/run-json.ts";
import { sampleRuns } from "../../src/app/demo/sample-runs.ts";
import { EmbeddedChains } from "../../src/app/harness/embedded-chains.ts";
import { preAuthEncoding } from "../../src/domain/dsse/pae.ts";
import type { RunRef } from "../../src/domain/run/run-ref.ts";
import { advanceUntil } from "../support/manual-time.ts";

const RUNS = 4;

type Command =
  | { readonly op: "create" | "complete" | "fail-run" | "redeliver" | "update" | "delete"; readonly run: number }
  | { readonly op: "restart" | "release-writes" }
  /** Time passes: retries falling due in it start. */
  | { readonly op: "advance"; readonly ms: number }
  | { readonly op: "fail-writes" | "fail-store" | "fail-secrets" | "hold-writes"; readonly times: number };

const command: fc.Arbitrary<Command> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constantFrom("create", "complete"), run: fc.nat(RUNS - 1) }) },
  {
    weight: 3,
    arbitrary: fc.record({ op: fc.constantFrom("fail-run", "redeliver", "update", "delete"), run: fc.nat(RUNS - 1) }),
  },
  { weight: 1, arbitrary: fc.constantFrom({ op: "restart" as const }, { op: "release-writes" as const }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("advance" as const), ms: fc.integer({ min: 1, max: 100 }) }) },
  {
    weight: 2,
    arbitrary: fc.record({ op: fc.constantFrom("fail-writes", "fail-store", "fail-secrets"), times: fc.integer({ min: 1, max: 6 }) }),
  },
  // Writes in flight while the run moves on: a slow API server, or a writer going round a 409 retry.
  { weight: 2, arbitrary: fc.record({ op: fc.constant("hold-writes" as const), times: fc.integer({ min: 1, max: 3 }) }) },
);

const refOf = (i: number): RunRef => ({ kind: "TaskRun", namespace: "default", name: `run-${i}` });

/** Even runs declare an image (provenance + image signature), odd ones only provenance. */
const template = (i: number): RunJson => {
  const base = structuredClone(sampleRuns().taskRuns[i % 2 === 0 ? 0 : 1]!);
  return { ...base, metadata: { ...base.metadata, name: `run-${i}` } };
};

const b64 = (text: string | undefined) => Buffer.from(text ?? "", "base64");

const apply = async (chains: EmbeddedChains, clock: ManualClock, oci: InMemoryArtifactStore, cmd: Command, deleted: Set<number>) => {
  const cluster = chains.cluster;
  switch (cmd.op) {
    case "create":
      if (cluster.getRun(refOf(cmd.run)) === undefined) cluster.createRun(template(cmd.run));
      break;
    case "complete":
    case "fail-run": {
      const run = cluster.getRun(refOf(cmd.run));
      if (run !== undefined && (run["status"] as { completionTime?: string }).completionTime === undefined)
        chains.completeRun(refOf(cmd.run), cmd.op === "complete");
      break;
    }
    case "redeliver":
      if (cluster.getRun(refOf(cmd.run)) !== undefined) cluster.redeliver(refOf(cmd.run));
      break;
    case "update":
      if (cluster.getRun(refOf(cmd.run)) !== undefined)
        cluster.updateRun(refOf(cmd.run), (run) => {
          run.metadata.labels = { ...run.metadata.labels, touched: String(Date.now()) };
        });
      break;
    case "delete":
      if (cluster.getRun(refOf(cmd.run)) !== undefined) {
        cluster.deleteRun(refOf(cmd.run));
        deleted.add(cmd.run);
      }
      break;
    case "restart":
      // The stopping controller's requests in flight land first: a stop waits for its passes.
      cluster.releaseHeldWrites();
      await chains.restart();
      break;
    case "hold-writes":
      cluster.holdNextWrites(cmd.times);
      break;
    case "release-writes":
      cluster.releaseHeldWrites();
      break;
    case "advance":
      clock.advance(cmd.ms);
      break;
    case "fail-writes":
      cluster.failNext("writeRun", cmd.times, "injected: API server unavailable");
      break;
    case "fail-store":
      oci.failNext(cmd.times, "injected: registry returned 500");
      break;
    case "fail-secrets":
      cluster.failNext("readSigningSecrets", cmd.times, "injected: secret read failed");
      break;
  }
  await cluster.settled();
};

/** Whether every run is settled: done and signed or failed, or gone. */
const allSettled = (chains: EmbeddedChains, refs: ReadonlyArray<RunRef>): boolean =>
  refs.every((ref) => {
    const run = chains.cluster.getRun(ref);
    if (run === undefined) return true;
    const done = (run["status"] as { completionTime?: string }).completionTime !== undefined;
    const signed = run.metadata.annotations?.["chains.tekton.dev/signed"];
    return !(done && signed !== "true" && signed !== "failed") && run.metadata.deletionTimestamp === undefined;
  });

const outcomes = { signed: 0, failed: 0 };
describe("run lifecycle under arbitrary interleavings", () => {
  // For any interleaving of run events, restarts and injected port failures, every completed run ends
  // signed with a signature that verifies against the public key, or failed after the full retry budget;
  // `signed: true` is written at most once per run and never without a verifying signature; a deleted run
  // is always released; no run that ends signed or failed carries a chains finalizer; and the
  // controller then holds no full run object.
  it("signs every completed run exactly once or fails it after the budget", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 25 }), async (commands) => {
        const oci = new InMemoryArtifactStore("oci");
        const clock = new ManualClock();
        const chains = await EmbeddedChains.start({ stores: [oci], controller: { workers: 2 }, clock });
        const deleted = new Set<number>();
        try {
          for (const cmd of commands) await apply(chains, clock, oci, cmd, deleted);
          // Every run that exists finishes eventually, so every one is checked.
          for (let i = 0; i < RUNS; i++) await apply(chains, clock, oci, { op: "complete", run: i }, deleted);
          const refs = Array.from({ length: RUNS }, (_, i) => refOf(i));
          // Runs whose writes are not held settle first; the held writes land after them. Held writes
          // can keep runs open (or occupy both workers), so this wait may end unsettled: it lasts the
          // whole retry budget of simulated time, not the config refresh that comes after it.
          await advanceUntil(clock, () => allSettled(chains, refs), "the runs without held writes settled", 1_000).catch(() => undefined);
          await apply(chains, clock, oci, { op: "release-writes" }, deleted);
          await advanceUntil(clock, () => allSettled(chains, refs), "every run settled");
          const key = createPublicKey(chains.publicKeyPem);
          for (const ref of refs) {
            const run = chains.cluster.getRun(ref);
            if (run === undefined) continue;
            // A run deleted and re-created under the same name is another run: count this one's writes.
            const writes = chains.cluster.writes(ref).filter((w) => w.outcome === "applied" && w.write.uid === run.metadata.uid);
            const signedWrites = writes.filter((w) => w.write.annotations?.["chains.tekton.dev/signed"] === "true");
            expect(signedWrites.length).toBeLessThanOrEqual(1);
            const annotations = run.metadata.annotations ?? {};
            const signed = annotations["chains.tekton.dev/signed"];
            if (signed === "true" || signed === "failed") expect(run.metadata.finalizers ?? []).not.toContain("chains.tekton.dev/taskrun");
            if ((run["status"] as { completionTime?: string }).completionTime === undefined) {
              expect(signed).toBeUndefined();
              continue;
            }
            if (signed === "failed") {
              const counted = writes
                .map((w) => w.write.annotations?.["chains.tekton.dev/retries"])
                .filter((r) => r !== undefined);
              expect(counted).toEqual(["0", "1", "2", "3"]);
              outcomes.failed++;
              continue;
            }
            expect(signed).toBe("true");
            outcomes.signed++;
            const shortKey = `taskrun-${run.metadata.uid}`;
            const payload = b64(annotations[`chains.tekton.dev/payload-${shortKey}`]);
            const envelope = JSON.parse(b64(annotations[`chains.tekton.dev/signature-${shortKey}`]).toString());
            expect(Buffer.from(envelope.payload, "base64").equals(payload)).toBe(true);
            const sig = Buffer.from(envelope.signatures[0].sig, "base64");
            expect(verify("sha256", preAuthEncoding(envelope.payloadType, payload), key, sig)).toBe(true);
            const images = oci.stored().filter((s) => s.run.name === ref.name && s.artifactId.startsWith("oci:"));
            for (const image of images) expect(verify("sha256", Buffer.from(image.payload), key, image.signature)).toBe(true);
          }
          // Memory follows the work left: once every run is settled, no full run object is held.
          await chains.cluster.settled();
          expect(chains.heldRunObjects()).toBe(0);
          // Deletion is never blocked: a deleted run is gone once things settle, whatever it was doing.
          for (const i of deleted) {
            const run = chains.cluster.getRun(refOf(i));
            if (run !== undefined) expect(run.metadata.deletionTimestamp).toBeUndefined();
          }
        } finally {
          await chains.stop();
        }
      }),
      { numRuns: 40 },
    );
    // The generator must reach signed runs, or the property says nothing.
    expect(outcomes.signed).toBeGreaterThan(0);
  });
});
