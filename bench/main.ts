/**
 * `npm run bench`: issue 14's figures, each a ratio (or a count) measured in this one run, next to
 * its goal. Absolute rates depend on the machine; the first line says which it was.
 */
import { parseArgs } from "node:util";
import { machineLine, median } from "./bench-machine.ts";
import { measureStartUp } from "./cli-start-up.ts";
import { type FirstSignature, measureBacklogThroughput, measureCallCounts, measureFirstSignature } from "./controller-on-emulator.ts";
import { measurePipelineVsRawSign } from "./pipeline-vs-raw-sign.ts";
import type { RunCalls } from "../test/kubernetes/api-call-scenarios.ts";

const { values } = parseArgs({
  options: {
    rounds: { type: "string", default: "5" },
    "runs-per-round": { type: "string", default: "100" },
    "backlog-runs": { type: "string", default: "200" },
    qps: { type: "string", default: "20" },
    starts: { type: "string", default: "10" },
    "first-signatures": { type: "string", default: "3" },
    /** One figure only, e.g. to profile it: calls, throughput, first-signature, start-up or pipeline. */
    only: { type: "string" },
  },
});
const benches = ["calls", "throughput", "first-signature", "start-up", "pipeline"] as const;
if (values.only !== undefined && !(benches as ReadonlyArray<string>).includes(values.only))
  throw new Error(`--only must be one of ${benches.join(", ")}, got ${values.only}`);
const runs = (bench: (typeof benches)[number]): boolean => values.only === undefined || values.only === bench;
const count = (name: Exclude<keyof typeof values, "only">): number => {
  const value = Number(values[name]);
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer, got ${values[name]}`);
  return value;
};

const calls = ({ patch, get, events }: RunCalls) => `${patch} PATCH, ${get} GET, ${events} Event${events === 1 ? "" : "s"}`;

console.log(machineLine());
const rows: Array<readonly [string, string, string]> = [];
const report = (measure: string, figure: string, goal: string) => {
  rows.push([measure, figure, goal]);
  console.error(`… ${measure}: ${figure}`);
};

if (runs("calls")) {
  const callCounts = await measureCallCounts();
  report("API calls, backlog TaskRun", calls(callCounts.backlogTaskRun), "1 PATCH, 0 GET");
  report("API calls, backlog PipelineRun + 2 children", calls(callCounts.backlogPipelineRun), "3 PATCH, 0 GET");
  report("API calls, TaskRun completed while watched", calls(callCounts.watchedTaskRun), "≤ 2 PATCH, 0 GET, Events only on failure");
}

if (runs("throughput")) {
  const throughput = await measureBacklogThroughput(count("backlog-runs"), count("qps"));
  report(
    `backlog throughput ÷ QPS (${throughput.runs} TaskRuns, qps = burst = ${throughput.qps})`,
    `${throughput.ratio.toFixed(2)} (${throughput.runsPerSecond.toFixed(1)} runs/s)`,
    "close to 1 (one request per run)",
  );
}

if (runs("first-signature")) {
  const firsts: Array<FirstSignature> = [];
  for (let i = 0; i < count("first-signatures"); i++) firsts.push(await measureFirstSignature());
  const cpu = firsts.map((f) => f.cpuSeconds).filter((s) => s !== undefined);
  report(
    `first signature after starting a controller process, quiet (median of ${firsts.length})`,
    `${median(firsts.map((f) => f.seconds)).toFixed(2)} s${cpu.length === firsts.length ? ` (${median(cpu).toFixed(2)} s CPU)` : ""}`,
    "≤ 1 s",
  );
}

if (runs("start-up")) {
  const startUp = measureStartUp(count("starts"));
  report(
    `chains-ts --help ÷ node -e 0, wall (median of ${startUp.runs} pairs)`,
    `${startUp.ratio.toFixed(2)}× (${(startUp.helpSeconds * 1000).toFixed(0)} ms vs ${(startUp.nodeSeconds * 1000).toFixed(0)} ms)`,
    "≤ 3×",
  );
}

if (runs("pipeline")) {
  const pipeline = await measurePipelineVsRawSign(count("rounds"), count("runs-per-round"));
  report(
    `in-memory pipeline signatures/s ÷ raw P-256 signs/s of the same ${(pipeline.payloadBytes / 1024).toFixed(1)} KiB provenance (${pipeline.rounds} interleaved rounds of ${pipeline.runsPerRound} runs, ${pipeline.signaturesPerRun} signatures each)`,
    `${pipeline.ratio.toFixed(3)} (${pipeline.pipelineSignaturesPerSecond.toFixed(0)} vs ${pipeline.rawSignsPerSecond.toFixed(0)}/s)`,
    "≥ 0.25",
  );
}

const widths = [0, 1, 2].map((column) => Math.max(...[["measure", "figure", "goal"], ...rows].map((row) => row[column]!.length)));
const line = (row: ReadonlyArray<string>) => `| ${row.map((cell, i) => cell.padEnd(widths[i]!)).join(" | ")} |`;
console.log("");
console.log(line(["measure", "figure", "goal"]));
console.log(line(widths.map((w) => "-".repeat(w))));
for (const row of rows) console.log(line(row));
