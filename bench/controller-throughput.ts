/**
 * `npm run bench`: how close the controller gets to the raw cost of signing. N completed TaskRuns
 * (each signs its provenance and one image) go through the in-memory controller; in the same
 * process, raw ECDSA P-256 signatures are timed. Only ratios measured in this one run are claims.
 */
import { generateKeyPairSync, sign } from "node:crypto";
import { parseArgs } from "node:util";
import type { RunJson } from "../src/adapters/memory/run-json.ts";
import { sampleRuns } from "../src/app/demo/sample-runs.ts";
import { EmbeddedChains } from "../src/app/harness/embedded-chains.ts";

const { values } = parseArgs({ options: { runs: { type: "string", default: "500" } } });
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a positive integer, got ${values.runs}`);

const ARTIFACTS_PER_RUN = 2;

const controllerRunsPerSecond = async (workers: number): Promise<number> => {
  const chains = await EmbeddedChains.start({ controller: { workers } });
  const template = sampleRuns().taskRuns[0]!;
  const refs = Array.from({ length: runs }, (_, i) => {
    const run: RunJson = structuredClone(template);
    run.metadata = { ...run.metadata, name: `bench-${i}` };
    return chains.createRun(run);
  });
  const started = performance.now();
  for (const ref of refs) chains.completeRun(ref);
  for (const ref of refs) {
    const signed = await chains.awaitSigned(ref, 120_000);
    if (signed !== "true") throw new Error(`${ref.name} ended ${signed}`);
  }
  const seconds = (performance.now() - started) / 1000;
  await chains.stop();
  return runs / seconds;
};

const rawSignsPerSecond = (seconds: number): number => {
  const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const payload = Buffer.alloc(1024, 7);
  let count = 0;
  const started = performance.now();
  while (performance.now() - started < seconds * 1000) {
    sign("sha256", payload, privateKey);
    count++;
  }
  return count / ((performance.now() - started) / 1000);
};

const rows: Array<[string, string]> = [];
const raw = rawSignsPerSecond(2);
rows.push(["raw ECDSA P-256 signs/s", raw.toFixed(0)]);
for (const workers of [1, 2, 4]) {
  const rate = await controllerRunsPerSecond(workers);
  rows.push([`controller runs/s (${workers} worker${workers === 1 ? "" : "s"})`, rate.toFixed(1)]);
  rows.push([
    `  signing efficiency = runs/s × ${ARTIFACTS_PER_RUN} ÷ raw signs/s`,
    `${((rate * ARTIFACTS_PER_RUN * 100) / raw).toFixed(1)} %`,
  ]);
}
const width = Math.max(...rows.map(([label]) => label.length));
console.log(`chains-ts controller throughput, ${runs} TaskRuns, in-memory cluster, one process`);
for (const [label, value] of rows) console.log(`${label.padEnd(width)}  ${value.padStart(9)}`);
