/**
 * `npm run bench`: issue 14's figures, each a ratio (or a count) measured in this one run, next to
 * its goal. Absolute rates depend on the machine; the first line says which it was.
 */
import { parseArgs } from "node:util";
import { machineLine, median } from "./bench-machine.ts";
import { type CliCode, freshBundle } from "./cli-code.ts";
import { measureStartUp } from "./cli-start-up.ts";
import { measureControllerMemory } from "./controller-memory.ts";
import { type FirstSignature, measureBacklogThroughput, measureCallCounts, measureFirstSignature } from "./controller-on-emulator.ts";
import { measureLiveLatencyUnderBacklog } from "./live-latency-under-backlog.ts";
import { measureLifecycleChartCeiling } from "./lifecycle-chart-ceiling.ts";
import { measurePipelineVsRawSign } from "./pipeline-vs-raw-sign.ts";
import { measureTwoReplicaScaling } from "./two-replicas.ts";
import type { RunCalls } from "../test/kubernetes/api-call-scenarios.ts";

const { values } = parseArgs({
  options: {
    rounds: { type: "string", default: "5" },
    "runs-per-round": { type: "string", default: "100" },
    "backlog-runs": { type: "string", default: "500" },
    qps: { type: "string", default: "50" },
    "live-backlog-runs": { type: "string", default: "2000" },
    starts: { type: "string", default: "10" },
    "first-signatures": { type: "string", default: "3" },
    "replica-runs": { type: "string", default: "400" },
    "replica-qps": { type: "string", default: "10" },
    // Signed runs watched by the controller whose memory is measured; e.g. `20000,50000`.
    "memory-runs": { type: "string", default: "20000" },
    /** One figure only, e.g. to profile it: one of `benches` below. */
    only: { type: "string" },
  },
});
const benches = ["calls", "throughput", "live", "replicas", "first-signature", "start-up", "pipeline", "memory"] as const;
if (values.only !== undefined && !(benches as ReadonlyArray<string>).includes(values.only))
  throw new Error(`--only must be one of ${benches.join(", ")}, got ${values.only}`);
const runs = (bench: (typeof benches)[number]): boolean => values.only === undefined || values.only === bench;
const count = (name: Exclude<keyof typeof values, "only" | "memory-runs">): number => {
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
  // The same backlog with no effective limit: when this is not well above QPS, the CPU is the bound, not the limiter.
  const unlimited = await measureBacklogThroughput(count("backlog-runs"), 1_000_000);
  report(
    `backlog throughput ÷ QPS (${throughput.runs} TaskRuns, qps = burst = ${throughput.qps})`,
    `${throughput.ratio.toFixed(2)} (${throughput.runsPerSecond.toFixed(1)} runs/s; ${unlimited.runsPerSecond.toFixed(1)} runs/s with no QPS limit)`,
    "≥ 0.9",
  );
}

if (runs("live")) {
  const live = await measureLiveLatencyUnderBacklog(count("live-backlog-runs"));
  report(
    `live run, completion → signed=true, while ${live.backlogRuns} backlog TaskRuns drain at qps = burst = ${live.qps} (${live.liveRuns} live runs)`,
    `p50 ${live.p50Ms.toFixed(0)} ms, p99 ${live.p99Ms.toFixed(0)} ms (event-loop delay p99 ${live.eventLoopDelayP99Ms.toFixed(0)} ms; the backlog beside them: ${live.backlogRatio.toFixed(2)} × QPS)`,
    "p99 ≤ 500 ms",
  );
}

if (runs("replicas")) {
  const scaling = await measureTwoReplicaScaling(count("replica-runs"), count("replica-qps"));
  report(
    `backlog drain, 2 replica processes ÷ 1 (${scaling.runs} TaskRuns, buckets 2, qps = burst = ${scaling.qps} each)`,
    `${scaling.ratio.toFixed(2)}× (${scaling.oneReplicaSeconds.toFixed(1)} s vs ${scaling.twoReplicaSeconds.toFixed(1)} s; ${scaling.signedPerReplica.join(" + ")} runs)`,
    "≥ 1.7×",
  );
}

// bin/chains-ts runs the compiled bundle/ (what `npm ci` builds and the image ships) when it is
// fresh; both figures are taken from it, beside the sources run by type stripping in the same turns.
if (runs("first-signature") || runs("start-up")) await freshBundle();

if (runs("first-signature")) {
  const firsts: Array<Record<CliCode, FirstSignature>> = [];
  for (let i = 0; i < count("first-signatures"); i++) firsts.push({ bundle: await measureFirstSignature("bundle"), source: await measureFirstSignature("source") });
  const figure = (code: CliCode) => {
    const cpu = firsts.map((f) => f[code].cpuSeconds).filter((s) => s !== undefined);
    return `${median(firsts.map((f) => f[code].seconds)).toFixed(2)} s${cpu.length === firsts.length ? ` (${median(cpu).toFixed(2)} s CPU)` : ""}`;
  };
  const cpuRatios = firsts.flatMap(({ bundle, source }) => (bundle.cpuSeconds !== undefined && source.cpuSeconds !== undefined ? [bundle.cpuSeconds / source.cpuSeconds] : []));
  report(
    `first signature after starting a controller process (median of ${firsts.length}; compiled bundle, then sources by type stripping, in turn)`,
    `${figure("bundle")}; sources ${figure("source")}; bundle ÷ sources ${median(firsts.map((f) => f.bundle.seconds / f.source.seconds)).toFixed(2)} wall${cpuRatios.length === firsts.length ? `, ${median(cpuRatios).toFixed(2)} CPU` : ""}`,
    "≤ 1 s quiet",
  );
}

if (runs("start-up")) {
  const startUp = measureStartUp(count("starts"));
  report(
    `chains-ts --help ÷ node -e 0, wall (median of ${startUp.runs} turns; compiled bundle, sources)`,
    `${startUp.ratio.bundle.toFixed(2)}× (${(startUp.helpSeconds.bundle * 1000).toFixed(0)} ms vs ${(startUp.nodeSeconds * 1000).toFixed(0)} ms); sources ${startUp.ratio.source.toFixed(2)}× (${(startUp.helpSeconds.source * 1000).toFixed(0)} ms); bundle ÷ sources ${startUp.bundleToSource.toFixed(2)}`,
    "≤ 3×",
  );
}

if (runs("pipeline")) {
  const pipeline = await measurePipelineVsRawSign(count("rounds"), count("runs-per-round"));
  report(
    `in-memory pipeline signatures/s ÷ raw P-256 signs/s of the same ${(pipeline.payloadBytes / 1024).toFixed(1)} KiB provenance (${pipeline.rounds} interleaved rounds of ${pipeline.runsPerRound} runs, ${pipeline.signaturesPerRun} signatures each)`,
    `${pipeline.ratio.toFixed(3)} (${pipeline.pipelineSignaturesPerSecond.toFixed(0)} vs ${pipeline.rawSignsPerSecond.toFixed(0)}/s; a run takes ${(pipeline.signaturesPerRun / pipeline.ratio).toFixed(1)} raw signs' time)`,
    "≥ 0.25",
  );
  // Ten times the runs: a chart alone takes a fraction of a pipeline run, and a round must last long enough to time.
  const ceiling = await measureLifecycleChartCeiling(count("rounds"), count("runs-per-round") * 10);
  report(
    `ceiling of that ratio on this design: the lifecycle chart alone, through a watched TaskRun's life, with steps that only make its 2 signatures (${ceiling.rounds} interleaved rounds of ${ceiling.runsPerRound} runs)`,
    `${ceiling.ratio.toFixed(3)} (a run takes ${ceiling.microsecondsPerRun.toFixed(0)} µs, ${(ceiling.microsecondsPerRun / ceiling.rawMicrosecondsPerSign).toFixed(1)} raw signs' time, of which 2 are its signatures; 0.25 allows 8; a bare xstate machine with the same invoked steps and events: ${(ceiling.bareMicrosecondsPerRun / ceiling.rawMicrosecondsPerSign).toFixed(1)})`,
    "(bound, not a goal)",
  );
}

// The slope is taken against a controller watching a thousand runs, measured in this same run.
const MEMORY_BASE_RUNS = 1_000;
const TO_SIGN = 500;
if (runs("memory")) {
const memoryBase = await measureControllerMemory(MEMORY_BASE_RUNS, TO_SIGN);
for (const runs of values["memory-runs"].split(",").map((n) => Number(n.trim()))) {
  if (!Number.isInteger(runs) || runs <= MEMORY_BASE_RUNS) throw new Error(`--memory-runs takes counts above ${MEMORY_BASE_RUNS}, got ${values["memory-runs"]}`);
  const memory = await measureControllerMemory(runs, TO_SIGN);
  const slope = (memory.rssMiB - memoryBase.rssMiB) / ((runs - MEMORY_BASE_RUNS) / 1_000);
  report(
    `controller RSS, ${runs.toLocaleString("en")} signed runs watched + ${TO_SIGN} signed (peak; per 1,000 runs above ${MEMORY_BASE_RUNS.toLocaleString("en")})`,
    `${memory.rssMiB.toFixed(0)} MiB (peak ${memory.peakMiB.toFixed(0)}; ${slope >= 0 ? "+" : ""}${slope.toFixed(2)} MiB per 1,000)`,
    runs >= 50_000 ? "≤ 256 MiB" : "≤ 200 MiB",
  );
}
}

const widths = [0, 1, 2].map((column) => Math.max(...[["measure", "figure", "goal"], ...rows].map((row) => row[column]!.length)));
const line = (row: ReadonlyArray<string>) => `| ${row.map((cell, i) => cell.padEnd(widths[i]!)).join(" | ")} |`;
console.log("");
console.log(line(["measure", "figure", "goal"]));
console.log(line(widths.map((w) => "-".repeat(w))));
for (const row of rows) console.log(line(row));
