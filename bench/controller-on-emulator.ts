/**
 * The real controller over the Kubernetes adapter against the project's API emulator: API calls
 * per run (issue 14's three runs), backlog throughput ÷ the client's QPS limit, and the time from
 * starting the controller to the first signature.
 */
import { spawn } from "node:child_process";
import { readFile, rm } from "node:fs/promises";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { apiCallScenarios, type RunCalls } from "../test/kubernetes/api-call-scenarios.ts";
import { EmulatedChains, plainTaskRun } from "../test/kubernetes/emulated-chains.ts";
import { type CliCode, runningCode } from "./cli-code.ts";

export interface CallCounts {
  readonly backlogTaskRun: RunCalls;
  readonly backlogPipelineRun: RunCalls;
  readonly watchedTaskRun: RunCalls;
}

export const withChains = async <A>(use: (chains: EmulatedChains) => Promise<A>, options: Parameters<typeof EmulatedChains.create>[0] = {}): Promise<A> => {
  const chains = await EmulatedChains.create(options);
  try {
    return await use(chains);
  } finally {
    await chains.stop();
  }
};

const sum = (calls: ReadonlyArray<RunCalls>): RunCalls => ({
  patch: calls.reduce((n, c) => n + c.patch, 0),
  get: calls.reduce((n, c) => n + c.get, 0),
  otherWrites: calls.reduce((n, c) => n + c.otherWrites, 0),
  events: calls.reduce((n, c) => n + c.events, 0),
});

export const measureCallCounts = async (): Promise<CallCounts> => ({
  backlogTaskRun: await withChains(apiCallScenarios.backlogTaskRun),
  backlogPipelineRun: sum(await withChains(apiCallScenarios.backlogPipelineRun)),
  watchedTaskRun: await withChains(apiCallScenarios.watchedTaskRun),
});

export interface BacklogThroughput {
  readonly runs: number;
  readonly qps: number;
  readonly runsPerSecond: number;
  /** runs/s ÷ QPS: 1.0 means one API request per run at the full rate the client allows itself. */
  readonly ratio: number;
}

/** Signing passes at once in `chains-ts controller` as shipped: 2 × the default `--threads-per-controller` (2). */
export const SHIPPED_WORKERS = 4;

/** `runs` completed TaskRuns present at start-up, signed with `--kube-api-qps`/`--kube-api-burst` = `qps`. */
export const measureBacklogThroughput = (runs: number, qps: number): Promise<BacklogThroughput> =>
  withChains(
    async (chains) => {
      const names = Array.from({ length: runs }, (_, i) => `backlog-${i}`);
      for (const name of names) {
        chains.emu.store.seed(plainTaskRun(name));
        chains.complete("taskruns", name);
      }
      const started = performance.now();
      await chains.startController();
      for (const name of names) await chains.awaitSigned("taskruns", name, undefined, 600_000);
      const runsPerSecond = runs / ((performance.now() - started) / 1000);
      return { runs, qps, runsPerSecond, ratio: runsPerSecond / qps };
    },
    { adapter: { qps, burst: qps }, controller: { workers: SHIPPED_WORKERS } },
  );

const cli = fileURLToPath(new URL("../bin/chains-ts", import.meta.url));

export interface FirstSignature {
  /** Wall-clock seconds from spawning the process to the run's `signed=true`. */
  readonly seconds: number;
  /**
   * CPU seconds the controller process had used by then (Linux /proc; undefined elsewhere): on a
   * machine shared with other jobs, what the start costs whatever the waiting for a core.
   */
  readonly cpuSeconds: number | undefined;
}

/** utime + stime of a process, in seconds (USER_HZ is 100 on Linux). */
const cpuSecondsOf = async (pid: number | undefined): Promise<number | undefined> => {
  if (pid === undefined) return undefined;
  try {
    const stat = await readFile(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
};

/**
 * From starting a `chains-ts controller` process (bin/chains-ts running `code`, as in a pod; it
 * execs Node, so the pid is Node's) to the signature of the one completed TaskRun on an otherwise
 * quiet emulator.
 */
export const measureFirstSignature = (code: CliCode): Promise<FirstSignature> =>
  withChains(async (chains) => {
    chains.emu.store.seed(plainTaskRun("first"));
    chains.complete("taskruns", "first");
    const kubeconfig = await chains.emu.writeKubeconfig();
    const started = performance.now();
    const controller = spawn(cli, ["controller", "--kubeconfig", kubeconfig, "--disable-ha", "--health-port", "0", "--metrics-port", "0"], {
      env: { ...runningCode(code), SYSTEM_NAMESPACE: "tekton-chains", KUBECONFIG: "" },
      stdio: "ignore",
    });
    const exited = new Promise<void>((resolve) => controller.once("exit", () => resolve()));
    try {
      await chains.awaitSigned("taskruns", "first", undefined, 60_000);
      const seconds = (performance.now() - started) / 1000;
      return { seconds, cpuSeconds: await cpuSecondsOf(controller.pid) };
    } finally {
      controller.kill("SIGTERM");
      await exited;
      await rm(dirname(kubeconfig), { recursive: true, force: true });
    }
  });
