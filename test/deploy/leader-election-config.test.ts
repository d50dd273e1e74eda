import { Result } from "effect";
import { describe, expect, it } from "vitest";
import { LEADER_ELECTION_CONFIG_MAP, parseLeaderElectionConfig } from "../../src/domain/leader-election/leader-election-config.ts";
import { findManifest, releaseManifests } from "./deploy-manifests.ts";

const shipped = findManifest(releaseManifests(), "ConfigMap", LEADER_ELECTION_CONFIG_MAP);
const data = (shipped["data"] ?? {}) as Record<string, string>;

describe("the leader-election ConfigMap deploy/ ships", () => {
  it("is valid, and a standby replaces a dead leader within 20 s", () => {
    const { timing } = Result.getOrThrow(parseLeaderElectionConfig(data));
    // A standby sees the last renewal at most one jittered retry period (1.2 x) late, and tries the
    // moment the lease has run out after that (test/kubernetes/controller-command.test.ts measures it).
    expect(timing.leaseDurationMs + 1.2 * timing.retryPeriodMs).toBeLessThanOrEqual(20_000);
    // A leader cut off from the API stops signing before a standby may take over.
    expect(timing.renewDeadlineMs).toBeLessThan(timing.leaseDurationMs);
  });

  it("sets every key, so none of the code's defaults (the reference's, for a missing ConfigMap) applies", () => {
    expect(Object.keys(data).sort()).toEqual(["buckets", "lease-duration", "renew-deadline", "retry-period"]);
  });

  it("keeps one bucket, so the Lease names stay Tekton Chains' default ones", () => {
    expect(Result.getOrThrow(parseLeaderElectionConfig(data)).buckets).toBe(1);
  });
});
