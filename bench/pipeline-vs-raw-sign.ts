/**
 * The in-memory pipeline's signatures per second ÷ raw ECDSA P-256 signatures per second over the
 * same 8 KiB payloads, measured in rounds that alternate the two in one process, so that a machine
 * whose speed drifts slows both sides alike.
 *
 * The bench TaskRun carries a parameter sized so that its provenance is 8 KiB; the raw side signs
 * exactly the provenance payloads the pipeline signed in the round before it, with a key of the
 * same kind. Signatures are counted from the controller's own `sign_created` counter.
 */
import { generateKeyPairSync, sign } from "node:crypto";
import type { RunJson } from "../src/adapters/memory/run-json.ts";
import { payloadAnnotation } from "../src/domain/annotations/chains-annotations.ts";
import type { RunRef } from "../src/domain/run/run-ref.ts";
import { passMetric } from "../src/app/lifecycle/pass-metrics.ts";
import { sampleRuns } from "../src/app/demo/sample-runs.ts";
import { EmbeddedChains } from "../src/app/harness/embedded-chains.ts";

const PAYLOAD_BYTES = 8 * 1024;
const PADDING_PARAM = "bench-padding";

export interface PipelineVsRawSign {
  readonly rounds: number;
  readonly runsPerRound: number;
  /** Mean size of the provenance payloads signed (the goal's "8 KiB"). */
  readonly payloadBytes: number;
  readonly signaturesPerRun: number;
  readonly pipelineSignaturesPerSecond: number;
  readonly rawSignsPerSecond: number;
  readonly ratio: number;
}

const template = sampleRuns().taskRuns[0]!;

/** The sample image-building TaskRun under a new name, with a parameter of `padding` characters. */
const buildRun = (name: string, padding: number): RunJson => {
  const run = structuredClone(template);
  run.metadata = { ...run.metadata, name };
  const spec = run["spec"] as { params?: Array<{ name: string; value: string }> };
  spec.params = [...(spec.params ?? []), { name: PADDING_PARAM, value: "x".repeat(padding) }];
  return run;
};

/** The provenance payload (not the image's) stored on a signed run. */
const provenanceOf = (chains: EmbeddedChains, ref: RunRef, uid: string): Buffer => {
  const encoded = chains.annotations(ref)[payloadAnnotation(`taskrun-${uid}`)];
  if (encoded === undefined) throw new Error(`${ref.name} has no provenance payload annotation`);
  return Buffer.from(encoded, "base64");
};

/** Signs runs and resolves once every one of them is settled: when the controller says so, not by polling. */
class Rounds {
  readonly #waiting = new Map<string, () => void>();
  readonly chains: Promise<EmbeddedChains>;

  constructor(workers: number) {
    this.chains = EmbeddedChains.start({
      controller: { workers },
      hooks: { onSettled: (ref) => this.#waiting.get(`${ref.namespace}/${ref.name}`)?.() },
    });
  }

  /** Adds `names` (not yet complete), then completes them all and resolves when all are settled. */
  async sign(names: ReadonlyArray<string>, padding: number): Promise<{ seconds: number; refs: Array<RunRef>; uids: Array<string> }> {
    const chains = await this.chains;
    const refs = names.map((name) => chains.createRun(buildRun(name, padding)));
    const uids = refs.map((ref) => chains.cluster.getRun(ref)!.metadata.uid!);
    await chains.cluster.settled();
    const settled = Promise.all(refs.map((ref) => new Promise<void>((resolve) => this.#waiting.set(`${ref.namespace}/${ref.name}`, resolve))));
    // Tekton's completion writes (a copy of each run in the fake cluster) are made before the clock
    // starts: the controller sees none of them before the next turn of the event loop.
    for (const ref of refs) chains.completeRun(ref);
    const started = performance.now();
    await settled;
    const seconds = (performance.now() - started) / 1000;
    for (const ref of refs) {
      this.#waiting.delete(`${ref.namespace}/${ref.name}`);
      const signed = chains.annotations(ref)["chains.tekton.dev/signed"];
      if (signed !== "true") throw new Error(`${ref.name} ended signed=${signed}`);
    }
    return { seconds, refs, uids };
  }
}

/** Raw signing with `sign8k` for about `ms` milliseconds: [signatures, seconds]. */
export const rawSigning = (ms: number, sign8k: () => void): [number, number] => {
  let count = 0;
  const started = performance.now();
  while (performance.now() - started < ms) {
    sign8k();
    count++;
  }
  return [count, (performance.now() - started) / 1000];
};

export const measurePipelineVsRawSign = async (rounds: number, runsPerRound: number, workers = 2): Promise<PipelineVsRawSign> => {
  const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const bench = new Rounds(workers);
  const chains = await bench.chains;
  const signatures = () => chains.metrics.value(passMetric.signCreated("TaskRun"));
  try {
    // The provenance grows by one byte per padding character: two runs give the padding for 8 KiB.
    const calibration = await bench.sign(["calibrate"], 0);
    const padding = Math.max(0, PAYLOAD_BYTES - provenanceOf(chains, calibration.refs[0]!, calibration.uids[0]!).length);
    let payloads: Array<Buffer> = [];
    let next = 0;
    const sign8k = () => void sign("sha256", payloads[next++ % payloads.length]!, privateKey);
    let pipelineSignatures = 0;
    let pipelineSeconds = 0;
    let rawSignatures = 0;
    let rawSeconds = 0;
    let payloadBytes = 0;
    // Round 0 warms up both sides (JIT) and is not counted.
    for (let round = 0; round <= rounds; round++) {
      const before = signatures();
      const { seconds, refs, uids } = await bench.sign(Array.from({ length: runsPerRound }, (_, i) => `bench-${round}-${i}`), padding);
      const signed = signatures() - before;
      payloads = refs.map((ref, i) => provenanceOf(chains, ref, uids[i]!));
      const [raw, rawTime] = rawSigning(seconds * 1000, sign8k);
      if (round === 0) continue;
      pipelineSignatures += signed;
      pipelineSeconds += seconds;
      rawSignatures += raw;
      rawSeconds += rawTime;
      payloadBytes += payloads.reduce((sum, p) => sum + p.length, 0);
    }
    const pipelineSignaturesPerSecond = pipelineSignatures / pipelineSeconds;
    const rawSignsPerSecond = rawSignatures / rawSeconds;
    return {
      rounds,
      runsPerRound,
      payloadBytes: payloadBytes / (rounds * runsPerRound),
      signaturesPerRun: pipelineSignatures / (rounds * runsPerRound),
      pipelineSignaturesPerSecond,
      rawSignsPerSecond,
      ratio: pipelineSignaturesPerSecond / rawSignsPerSecond,
    };
  } finally {
    await chains.stop();
  }
};
