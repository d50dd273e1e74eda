/**
 * Issue 14's live-run latency: while a start-up backlog drains at the client's QPS limit, TaskRuns
 * are created and completed one after another, and each is timed from its completion to
 * `signed=true` on the emulator.
 */
import { monitorEventLoopDelay } from "node:perf_hooks";
import { passMetric } from "../src/app/lifecycle/pass-metrics.ts";
import { plainTaskRun } from "../test/kubernetes/emulated-chains.ts";
import { until } from "../test/support/until.ts";
import { SHIPPED_WORKERS, withChains } from "./controller-on-emulator.ts";

export interface LiveLatencyUnderBacklog {
  readonly backlogRuns: number;
  readonly qps: number;
  /** Live runs signed while the backlog was still draining: the samples. */
  readonly liveRuns: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** Backlog runs/s ÷ QPS over the whole drain; the live runs' requests come out of the same budget. */
  readonly backlogRatio: number;
  /**
   * 99th percentile of this process's event-loop delay during the drain: how long ready work
   * waited for the CPU (the emulator, the controller and this bench share one thread).
   */
  readonly eventLoopDelayP99Ms: number;
}

const SIGNED = "chains.tekton.dev/signed";
const POLL_MS = 2;

const percentile = (sorted: ReadonlyArray<number>, p: number): number => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

/**
 * `backlogRuns` completed TaskRuns present at start-up, the controller at `qps` (= burst; the
 * default is the controller's default, 20) with its default number of passes at once. A live run is started every `liveIntervalMs` while
 * the backlog drains; it is completed once its finalizer is on, as a real run would be.
 */
export const measureLiveLatencyUnderBacklog = (backlogRuns: number, qps = 20, liveIntervalMs = 500): Promise<LiveLatencyUnderBacklog> =>
  withChains(
    async (chains) => {
      for (let i = 0; i < backlogRuns; i++) {
        chains.emu.store.seed(plainTaskRun(`backlog-${i}`));
        chains.complete("taskruns", `backlog-${i}`);
      }
      const signedSoFar = () => chains.metrics.value(passMetric.markedSigned("TaskRun"));
      const latencies: Array<number> = [];
      const delay = monitorEventLoopDelay({ resolution: 10 });
      const started = performance.now();
      await chains.startController();
      delay.enable();
      let liveSigned = 0;
      const backlogLeft = () => backlogRuns + liveSigned - signedSoFar();
      for (let i = 0; backlogLeft() > 0; i++) {
        const next = performance.now() + liveIntervalMs;
        const name = `live-${i}`;
        chains.emu.store.seed(plainTaskRun(name));
        await until(() => chains.finalizers("taskruns", name).length > 0, `the finalizer on ${name}`, 60_000);
        chains.complete("taskruns", name);
        const completed = performance.now();
        await new Promise<void>((resolve, reject) => {
          const poll = setInterval(() => {
            const signed = chains.annotations("taskruns", name)[SIGNED];
            if (signed === undefined) return;
            clearInterval(poll);
            if (signed === "true") resolve();
            else reject(new Error(`${name} was marked ${signed}`));
          }, POLL_MS);
        });
        const latency = performance.now() - completed;
        liveSigned += 1;
        if (backlogLeft() <= 0) break;
        latencies.push(latency);
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, next - performance.now())));
      }
      await until(() => backlogLeft() <= 0, "the backlog to drain", 600_000);
      const backlogSeconds = (performance.now() - started) / 1000;
      delay.disable();
      const sorted = [...latencies].sort((a, b) => a - b);
      if (sorted.length === 0) throw new Error("the backlog drained before any live run was signed: give it more runs");
      return {
        backlogRuns,
        qps,
        liveRuns: sorted.length,
        p50Ms: percentile(sorted, 50),
        p99Ms: percentile(sorted, 99),
        maxMs: sorted[sorted.length - 1]!,
        backlogRatio: backlogRuns / backlogSeconds / qps,
        eventLoopDelayP99Ms: delay.percentile(99) / 1e6,
      };
    },
    { adapter: { qps, burst: qps }, controller: { workers: SHIPPED_WORKERS } },
  );
