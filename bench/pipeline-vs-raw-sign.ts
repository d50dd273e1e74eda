/**
 * The in-memory pipeline's signatures per second ÷ raw ECDSA P-256 signatures per second over
 * 8 KiB payloads, measured in rounds that alternate the two in one process, so that a machine
 * whose speed drifts slows both sides alike.
 */
import { generateKeyPairSync, randomBytes, sign } from "node:crypto";
import type { RunJson } from "../src/adapters/memory/run-json.ts";
import { sampleRuns } from "../src/app/demo/sample-runs.ts";
import { EmbeddedChains } from "../src/app/harness/embedded-chains.ts";

/** Each built-image TaskRun is signed twice: its provenance and its image. */
const SIGNATURES_PER_RUN = 2;
const PAYLOAD_BYTES = 8 * 1024;

export interface PipelineVsRawSign {
  readonly rounds: number;
  readonly runsPerRound: number;
  readonly pipelineSignaturesPerSecond: number;
  readonly rawSignsPerSecond: number;
  readonly ratio: number;
}

const buildRun = (template: RunJson, name: string): RunJson => {
  const run = structuredClone(template);
  run.metadata = { ...run.metadata, name };
  return run;
};

/** Raw signing for about `ms` milliseconds: [signatures, seconds]. */
const rawSigning = (ms: number, sign8k: () => void): [number, number] => {
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
  const payloads = Array.from({ length: 16 }, () => randomBytes(PAYLOAD_BYTES));
  let next = 0;
  const sign8k = () => void sign("sha256", payloads[next++ % payloads.length]!, privateKey);
  const chains = await EmbeddedChains.start({ controller: { workers } });
  const template = sampleRuns().taskRuns[0]!;
  let pipelineSignatures = 0;
  let pipelineSeconds = 0;
  let rawSignatures = 0;
  let rawSeconds = 0;
  try {
    // Round 0 warms up both sides (JIT) and is not counted.
    for (let round = 0; round <= rounds; round++) {
      const refs = Array.from({ length: runsPerRound }, (_, i) => chains.createRun(buildRun(template, `bench-${round}-${i}`)));
      await chains.cluster.settled();
      const started = performance.now();
      for (const ref of refs) chains.completeRun(ref);
      for (const ref of refs) {
        const signed = await chains.awaitSigned(ref, 120_000);
        if (signed !== "true") throw new Error(`${ref.name} ended signed=${signed}`);
      }
      const seconds = (performance.now() - started) / 1000;
      const [raw, rawTime] = rawSigning(seconds * 1000, sign8k);
      if (round === 0) continue;
      pipelineSignatures += runsPerRound * SIGNATURES_PER_RUN;
      pipelineSeconds += seconds;
      rawSignatures += raw;
      rawSeconds += rawTime;
    }
  } finally {
    await chains.stop();
  }
  const pipelineSignaturesPerSecond = pipelineSignatures / pipelineSeconds;
  const rawSignsPerSecond = rawSignatures / rawSeconds;
  return { rounds, runsPerRound, pipelineSignaturesPerSecond, rawSignsPerSecond, ratio: pipelineSignaturesPerSecond / rawSignsPerSecond };
};
