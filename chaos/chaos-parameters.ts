import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { parse } from "yaml";
import { defaultControllerOptions } from "../src/app/controller/run-controller.ts";
import { MAX_RETRIES } from "../src/domain/lifecycle/retry-budget.ts";

/** How much work each scenario does, and the bounds its rows are judged by. */
export interface ChaosParameters {
  readonly size: "full" | "ci";
  /** Runs (one SIGKILL each) per lifecycle step. */
  readonly killsPerStep: number;
  readonly faultRuns: number;
  /** Share of API requests answered 500, 429 or (writes) 409. */
  readonly faultRate: number;
  /** How often every watch is dropped and the history compacted (the re-watch gets 410). */
  readonly watchDropEveryMs: number;
  readonly leaderKills: number;
  readonly deletionRounds: number;
  /** A standby must hold both Leases this soon after the leader is killed. */
  readonly takeoverBoundS: number;
  /** A deleted run must be gone this soon. Default: the retry budget (every retry delay of a failing run). */
  readonly deletionBoundS: number;
  /** How long a run may take to be signed after the last disturbance before it counts as lost. */
  readonly settleTimeoutS: number;
  /** The `tekton-chains-config-leader-election` data the controllers read (deploy/'s by default). */
  readonly leaderElection: Readonly<Record<string, string>>;
  /** Scenarios to run (all by default). */
  readonly only: ReadonlyArray<string>;
}

const LEADER_ELECTION_FILE = new URL("../deploy/leader-election-configmap.yaml", import.meta.url);

/** The leader-election values deploy/ ships, so the takeover row measures what users get. */
const deployedLeaderElection = (): Record<string, string> => {
  const manifest = parse(readFileSync(LEADER_ELECTION_FILE, "utf8")) as { data?: Record<string, string> };
  return { ...manifest.data };
};

/** Sum of the delays a failing run waits between its passes before it is marked failed. */
const retryBudgetSeconds = (): number => {
  const { retryDelayMs, maxRetryDelayMs } = defaultControllerOptions.timing;
  let total = 0;
  for (let failedPasses = 1; failedPasses <= MAX_RETRIES + 1; failedPasses++) {
    total += Math.min(retryDelayMs * 2 ** (failedPasses - 1), maxRetryDelayMs);
  }
  return total / 1000;
};

const sizes = {
  full: { killsPerStep: 8, faultRuns: 120, leaderKills: 3, deletionRounds: 3 },
  ci: { killsPerStep: 2, faultRuns: 24, leaderKills: 1, deletionRounds: 1 },
} as const;

export const SCENARIOS = ["lifecycle", "faults", "leader", "deletions"] as const;

export const chaosHelp = `Usage: npm run chaos -- [--size full|ci] [options]

Drives the real 'chains-ts controller' against the loopback API emulator, Debian's docker-registry
and a Vault transit emulator, kills and disturbs it, and prints a table of the figures. Exits 1
when any row fails.

  --size full|ci            amount of work (default: $CHAOS_SIZE, else full; ci fits in 3 minutes)
  --only a,b                scenarios to run: ${SCENARIOS.join(", ")}
  --kills-per-step N        SIGKILLs (one run each) per lifecycle step
  --fault-runs N            runs signed under API faults
  --fault-rate R            share of API requests that fail (default 0.1)
  --leader-kills N          leader SIGKILLs with 2 replicas
  --deletion-rounds N       rounds of deletions
  --takeover-bound S        seconds a standby may take to lead (default: $CHAOS_TAKEOVER_BOUND_S, else 20)
  --deletion-bound S        seconds a deletion may be blocked (default: $CHAOS_DELETION_BOUND_S, else
                            the retry budget, ${retryBudgetSeconds()} s)
  --settle-timeout S        seconds a run may take to be signed before it counts as lost (default 90)
  --lease-duration D, --renew-deadline D, --retry-period D
                            leader-election values (default: deploy/leader-election-configmap.yaml)`;

const positive = (flag: string, text: string | undefined, fallback: number): number => {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${flag} must be a positive number, got ${JSON.stringify(text)}`);
  return value;
};

export const parseChaosParameters = (argv: ReadonlyArray<string>, env: NodeJS.ProcessEnv): ChaosParameters | "help" => {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      size: { type: "string" },
      only: { type: "string" },
      "kills-per-step": { type: "string" },
      "fault-runs": { type: "string" },
      "fault-rate": { type: "string" },
      "leader-kills": { type: "string" },
      "deletion-rounds": { type: "string" },
      "takeover-bound": { type: "string" },
      "deletion-bound": { type: "string" },
      "settle-timeout": { type: "string" },
      "lease-duration": { type: "string" },
      "renew-deadline": { type: "string" },
      "retry-period": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
  if (values.help === true) return "help";
  const size = values.size ?? env["CHAOS_SIZE"] ?? "full";
  if (size !== "full" && size !== "ci") throw new Error(`--size must be full or ci, got ${JSON.stringify(size)}`);
  const preset = sizes[size];
  const only = (values.only ?? SCENARIOS.join(",")).split(",").filter((s) => s !== "");
  const unknown = only.find((s) => !(SCENARIOS as ReadonlyArray<string>).includes(s));
  if (unknown !== undefined) throw new Error(`--only: unknown scenario ${JSON.stringify(unknown)} (known: ${SCENARIOS.join(", ")})`);
  const faultRate = positive("--fault-rate", values["fault-rate"], 0.1);
  if (faultRate >= 1) throw new Error(`--fault-rate must be below 1, got ${faultRate}`);
  const leaderElection = deployedLeaderElection();
  if (values["lease-duration"] !== undefined) leaderElection["lease-duration"] = values["lease-duration"];
  if (values["renew-deadline"] !== undefined) leaderElection["renew-deadline"] = values["renew-deadline"];
  if (values["retry-period"] !== undefined) leaderElection["retry-period"] = values["retry-period"];
  return {
    size,
    killsPerStep: positive("--kills-per-step", values["kills-per-step"], preset.killsPerStep),
    faultRuns: positive("--fault-runs", values["fault-runs"], preset.faultRuns),
    faultRate,
    watchDropEveryMs: 2_000,
    leaderKills: positive("--leader-kills", values["leader-kills"], preset.leaderKills),
    deletionRounds: positive("--deletion-rounds", values["deletion-rounds"], preset.deletionRounds),
    takeoverBoundS: positive("--takeover-bound", values["takeover-bound"] ?? env["CHAOS_TAKEOVER_BOUND_S"], 20),
    deletionBoundS: positive("--deletion-bound", values["deletion-bound"] ?? env["CHAOS_DELETION_BOUND_S"], retryBudgetSeconds()),
    settleTimeoutS: positive("--settle-timeout", values["settle-timeout"], 90),
    leaderElection,
    only,
  };
};
