/**
 * `npm run bench`: how close the controller gets to the raw cost of signing. N completed TaskRuns
 * (each signs its provenance and one image) go through the in-memory controller; in the same
 * process, raw ECDSA P-256 signatures are timed for about as long. Only ratios measured in this one
 * run are claims; absolute rates depend on the machine.
 */
import { generateKeyPairSync, randomBytes, sign } from "node:crypto";
import { parseArgs } from "node:util";
import type { RunJson } from "../src/adapters/memory/run-json.ts";
import { sampleRuns } from "../src/app/demo/sample-runs.ts";
import { EmbeddedChains } from "../src/app/harness/embedded-chains.ts";

const { values } = parseArgs({ options: { runs: { type: "string", default: "500" } } });
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a positive integer, got ${values.runs}`);

/** Each built-image TaskRun is signed twice: its provenance and its image. */
const SIGNATURES_PER_RUN = 2;
const WORKER_COUNTS = [1, 4] as const;
/** Unreported runs first, so the first measured configuration does not pay for JIT warm-up. */
const WARM_UP_RUNS = Math.min(runs, 100);

/** The sample build TaskRun (it has IMAGE_URL and IMAGE_DIGEST results), under a unique name. */
const buildRun = (template: RunJson, name: string): RunJson => {
  const run = structuredClone(template);
  run.metadata = { ...run.metadata, name };
  return run;
};

interface ControllerMeasurement {
  readonly runsPerSecond: number;
  readonly seconds: number;
}

/** Wall time from the first completion until every run is annotated `signed=true`. */
const measureController = async (workers: number, count: number): Promise<ControllerMeasurement> => {
  const chains = await EmbeddedChains.start({ controller: { workers } });
  try {
    const template = sampleRuns().taskRuns[0]!;
    const refs = Array.from({ length: count }, (_, i) => chains.createRun(buildRun(template, `bench-${workers}-${i}`)));
    // The controller has seen every pending run before the clock starts; only signing is timed.
    await chains.cluster.settled();
    const started = performance.now();
    for (const ref of refs) chains.completeRun(ref);
    for (const ref of refs) {
      const signed = await chains.awaitSigned(ref, 120_000);
      if (signed !== "true") throw new Error(`${ref.name} ended signed=${signed}`);
    }
    const seconds = (performance.now() - started) / 1000;
    return { runsPerSecond: count / seconds, seconds };
  } finally {
    await chains.stop();
  }
};

/** Signs small (64-byte) payloads with SHA-256 in a loop for about `seconds`. */
const measureRawSigning = (seconds: number): number => {
  const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const payload = randomBytes(64);
  let count = 0;
  const started = performance.now();
  while (performance.now() - started < seconds * 1000) {
    sign("sha256", payload, privateKey);
    count++;
  }
  return count / ((performance.now() - started) / 1000);
};

await measureController(2, WARM_UP_RUNS);
const measured: Array<ControllerMeasurement & { readonly workers: number }> = [];
for (const workers of WORKER_COUNTS) measured.push({ workers, ...(await measureController(workers, runs)) });
const controllerSeconds = measured.reduce((sum, m) => sum + m.seconds, 0) / measured.length;
const rawSeconds = Math.min(Math.max(controllerSeconds, 1), 15);
const rawSignsPerSecond = measureRawSigning(rawSeconds);

const table: Array<ReadonlyArray<string>> = [
  ["workers", "runs/s", "raw signs/s", "runs/s ÷ signs/s", `efficiency (×${SIGNATURES_PER_RUN})`],
  ...measured.map(({ workers, runsPerSecond }) => {
    const ratio = runsPerSecond / rawSignsPerSecond;
    return [
      String(workers),
      runsPerSecond.toFixed(1),
      rawSignsPerSecond.toFixed(0),
      ratio.toFixed(4),
      `${(ratio * SIGNATURES_PER_RUN * 100).toFixed(1)} %`,
    ];
  }),
];
const widths = table[0]!.map((_, column) => Math.max(...table.map((row) => row[column]!.length)));
const format = (row: ReadonlyArray<string>) =>
  row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join("  ");

console.log(`chains-ts controller throughput: ${runs} completed build TaskRuns, in-memory cluster, one process`);
console.log(`raw ECDSA P-256 / SHA-256 signing of 64-byte payloads timed for ${rawSeconds.toFixed(1)} s in the same process`);
console.log("");
console.log(format(table[0]!));
console.log(widths.map((width) => "-".repeat(width)).join("  "));
for (const row of table.slice(1)) console.log(format(row));
const [one, four] = measured;
console.log("");
console.log(
  `efficiency = runs/s × ${SIGNATURES_PER_RUN} ÷ raw signs/s: the share of raw signing speed reached (each run signs its provenance and its image).`,
);
if (one !== undefined && four !== undefined)
  console.log(`workers=4 ÷ workers=1 throughput: ${(four.runsPerSecond / one.runsPerSecond).toFixed(2)}`);
