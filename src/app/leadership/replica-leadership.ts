import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { Result } from "effect";
import {
  LEADER_ELECTION_CONFIG_MAP,
  type LeaderElectionConfigInvalid,
  parseLeaderElectionConfig,
} from "../../domain/leader-election/leader-election-config.ts";
import type { LeaseStore } from "../../ports/lease-store.ts";
import { type LeaseLeadership, startLeaseLeadership } from "./lease-leadership.ts";

/**
 * Starts this replica's campaign with the settings of the leader-election ConfigMap (read once,
 * as the reference does). The identity is unique per process, so a restarted pod with the same
 * name is a new candidate rather than a holder that missed its renewals.
 */
export const startReplicaLeadership = async (options: {
  readonly readConfigMap: (name: string) => Promise<Readonly<Record<string, string>>>;
  readonly store: LeaseStore["Service"];
  readonly env: NodeJS.ProcessEnv;
  readonly log: (level: "info" | "warning", message: string) => void;
}): Promise<Result.Result<LeaseLeadership, LeaderElectionConfigInvalid>> => {
  const configMap = options.env["CONFIG_LEADERELECTION_NAME"] ?? LEADER_ELECTION_CONFIG_MAP;
  const parsed = parseLeaderElectionConfig(await options.readConfigMap(configMap), configMap);
  if (Result.isFailure(parsed)) return Result.fail(parsed.failure);
  for (const warning of parsed.success.warnings) options.log("warning", warning);
  const identity = `${options.env["POD_NAME"] ?? hostname()}_${randomUUID()}`;
  return Result.succeed(startLeaseLeadership({ store: options.store, identity, timing: parsed.success.timing, log: options.log }));
};
