import { Data, Result } from "effect";
import { parseGoDuration } from "../serialization/go-duration.ts";

/** The leader-election ConfigMap's name in `SYSTEM_NAMESPACE` (env `CONFIG_LEADERELECTION_NAME`). */
export const LEADER_ELECTION_CONFIG_MAP = "tekton-chains-config-leader-election";

export interface LeaderElectionTiming {
  /** How long a lease holds without renewal: a dead leader is replaced within this. */
  readonly leaseDurationMs: number;
  /** A leader that cannot renew for this long stops leading (before anyone may take over). */
  readonly renewDeadlineMs: number;
  /** How often candidates try to acquire and leaders renew. */
  readonly retryPeriodMs: number;
}

/** The reference's defaults (config.md §1). */
export const defaultLeaderElectionTiming: LeaderElectionTiming = {
  leaseDurationMs: 60_000,
  renewDeadlineMs: 40_000,
  retryPeriodMs: 10_000,
};

export class LeaderElectionConfigInvalid extends Data.TaggedError("LeaderElectionConfigInvalid")<{
  readonly configMap: string;
  readonly key: string;
  readonly value: string;
  readonly reason: string;
}> {
  override get message(): string {
    return `${this.configMap}: invalid value ${JSON.stringify(this.value)} for key "${this.key}": ${this.reason}`;
  }
}

const durationKeys = [
  ["lease-duration", "leaseDurationMs"],
  ["renew-deadline", "renewDeadlineMs"],
  ["retry-period", "retryPeriodMs"],
] as const;

/** knative's `MaxBuckets`: more is refused, as Tekton Chains refuses it. */
export const MAX_BUCKETS = 10;

export interface LeaderElectionConfig {
  readonly timing: LeaderElectionTiming;
  /** Leases per run kind; each replica signs the runs of the buckets it holds (controller.md §5). */
  readonly buckets: number;
}

/** Reads the leader-election ConfigMap's data, with knative's rules and defaults. */
export const parseLeaderElectionConfig = (
  data: Readonly<Record<string, string>>,
  configMap = LEADER_ELECTION_CONFIG_MAP,
): Result.Result<LeaderElectionConfig, LeaderElectionConfigInvalid> => {
  const timing: Record<(typeof durationKeys)[number][1], number> = { ...defaultLeaderElectionTiming };
  for (const [key, field] of durationKeys) {
    const text = data[key];
    if (text === undefined) continue;
    const nanos = parseGoDuration(text);
    if (nanos === undefined || nanos <= 0n) {
      return Result.fail(new LeaderElectionConfigInvalid({ configMap, key, value: text, reason: "a positive Go duration such as 15s or 1m is required" }));
    }
    timing[field] = Math.max(1, Number(nanos / 1_000_000n));
  }
  // Otherwise a leader could still believe it leads after a follower took over.
  if (timing.renewDeadlineMs >= timing.leaseDurationMs) {
    return Result.fail(
      new LeaderElectionConfigInvalid({ configMap, key: "renew-deadline", value: data["renew-deadline"] ?? "40s", reason: "must be shorter than lease-duration" }),
    );
  }
  const bucketsText = data["buckets"] ?? "1";
  const buckets = /^[0-9]{1,9}$/.test(bucketsText) ? Number(bucketsText) : Number.NaN;
  if (!(buckets >= 1 && buckets <= MAX_BUCKETS)) {
    return Result.fail(
      new LeaderElectionConfigInvalid({ configMap, key: "buckets", value: bucketsText, reason: `a whole number from 1 to ${MAX_BUCKETS} is required` }),
    );
  }
  return Result.succeed({ timing, buckets });
};
