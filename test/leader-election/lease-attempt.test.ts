import { Result } from "effect";
import { describe, expect, it } from "vitest";
import { parseLeaderElectionConfig } from "../../src/domain/leader-election/leader-election-config.ts";
import { planLeaseAttempt, releasedRecord } from "../../src/domain/leader-election/lease-attempt.ts";
import { leaseNameFor } from "../../src/domain/leader-election/lease-names.ts";
import type { LeaseRecord } from "../../src/domain/leader-election/lease-record.ts";

const t0 = Date.parse("2026-11-23T10:00:00.000Z");
const held = (holderIdentity: string, renewTime = "2026-11-23T10:00:00.000000Z"): LeaseRecord => ({
  holderIdentity,
  leaseDurationSeconds: 60,
  acquireTime: "2026-11-23T09:00:00.000000Z",
  renewTime,
  leaseTransitions: 3,
});

describe("a lease acquire-or-renew step", () => {
  it("creates a missing lease with MicroTime timestamps", () => {
    const attempt = planLeaseAttempt({ current: undefined, observation: undefined, identity: "me", leaseDurationSeconds: 60, nowMs: t0 + 123 });
    expect(attempt).toEqual({
      _tag: "Create",
      record: {
        holderIdentity: "me",
        leaseDurationSeconds: 60,
        acquireTime: "2026-11-23T10:00:00.123000Z",
        renewTime: "2026-11-23T10:00:00.123000Z",
        leaseTransitions: 0,
      },
    });
  });

  it("renews its own lease, keeping the acquire time and transition count", () => {
    const attempt = planLeaseAttempt({ current: { record: held("me"), resourceVersion: "7" }, observation: undefined, identity: "me", leaseDurationSeconds: 60, nowMs: t0 + 5_000 });
    expect(attempt).toMatchObject({ _tag: "Update", resourceVersion: "7", record: { acquireTime: "2026-11-23T09:00:00.000000Z", renewTime: "2026-11-23T10:00:05.000000Z", leaseTransitions: 3 } });
  });

  it("waits while another holder's lease has not run out since this candidate saw it change", () => {
    const current = { record: held("other"), resourceVersion: "7" };
    const observation = { record: held("other"), observedAtMs: t0 };
    expect(planLeaseAttempt({ current, observation, identity: "me", leaseDurationSeconds: 60, nowMs: t0 + 59_999 })).toEqual({
      _tag: "HeldByOther",
      holder: "other",
      expiresAtMs: t0 + 60_000,
    });
    expect(planLeaseAttempt({ current, observation, identity: "me", leaseDurationSeconds: 60, nowMs: t0 + 60_000 })).toMatchObject({
      _tag: "Update",
      record: { holderIdentity: "me", leaseTransitions: 4, acquireTime: "2026-11-23T10:01:00.000000Z" },
    });
  });

  it("judges expiry by its own clock, not by the holder's renewTime (clock skew)", () => {
    // The holder's clock is an hour behind: its renewTime looks stale, but it was just seen renewing.
    const record = held("other", "2026-11-23T09:00:00.000000Z");
    const attempt = planLeaseAttempt({ current: { record, resourceVersion: "8" }, observation: { record, observedAtMs: t0 }, identity: "me", leaseDurationSeconds: 60, nowMs: t0 + 1_000 });
    expect(attempt._tag).toBe("HeldByOther");
  });

  it("takes a released lease at once", () => {
    const released = releasedRecord(held("other"), t0);
    expect(released).toEqual({ holderIdentity: "", leaseDurationSeconds: 1, acquireTime: "2026-11-23T10:00:00.000000Z", renewTime: "2026-11-23T10:00:00.000000Z", leaseTransitions: 3 });
    const attempt = planLeaseAttempt({ current: { record: released, resourceVersion: "9" }, observation: { record: released, observedAtMs: t0 }, identity: "me", leaseDurationSeconds: 60, nowMs: t0 + 10 });
    expect(attempt).toMatchObject({ _tag: "Update", record: { holderIdentity: "me", leaseTransitions: 4 } });
  });
});

describe("the Lease names", () => {
  it("are Tekton Chains' own, so both contend for the same Leases", () => {
    expect(leaseNameFor("TaskRun")).toBe("watcher.github.com.tektoncd.chains.pkg.reconciler.taskrun.reconciler.00-of-01");
    expect(leaseNameFor("PipelineRun")).toBe("watcher.github.com.tektoncd.chains.pkg.reconciler.pipelinerun.reconciler.00-of-01");
  });
});

describe("the leader-election ConfigMap", () => {
  it("defaults to the reference's 60 s / 40 s / 10 s", () => {
    const parsed = parseLeaderElectionConfig({});
    expect(Result.isSuccess(parsed) && parsed.success.timing).toEqual({ leaseDurationMs: 60_000, renewDeadlineMs: 40_000, retryPeriodMs: 10_000 });
  });

  it("reads Go durations", () => {
    const parsed = parseLeaderElectionConfig({ "lease-duration": "1m30s", "renew-deadline": "45s", "retry-period": "500ms", buckets: "1" });
    expect(Result.isSuccess(parsed) && parsed.success).toEqual({ timing: { leaseDurationMs: 90_000, renewDeadlineMs: 45_000, retryPeriodMs: 500 }, buckets: 1 });
  });

  it("names the key of an invalid value", () => {
    const parsed = parseLeaderElectionConfig({ "retry-period": "ten seconds" });
    expect(Result.isFailure(parsed) && parsed.failure.message).toBe(
      'tekton-chains-config-leader-election: invalid value "ten seconds" for key "retry-period": a positive Go duration such as 15s or 1m is required',
    );
  });

  it("refuses a renew deadline that is not shorter than the lease", () => {
    const parsed = parseLeaderElectionConfig({ "lease-duration": "30s", "renew-deadline": "30s" });
    expect(Result.isFailure(parsed) && parsed.failure.key).toBe("renew-deadline");
  });

  it("reads buckets from 1 to 10, as knative does, and refuses others naming the key", () => {
    expect(Result.getOrThrow(parseLeaderElectionConfig({})).buckets).toBe(1);
    for (const buckets of [1, 2, 7, 10]) expect(Result.getOrThrow(parseLeaderElectionConfig({ buckets: String(buckets) })).buckets).toBe(buckets);
    for (const value of ["0", "11", "-1", "2.5", " 2", "two", ""]) {
      const parsed = parseLeaderElectionConfig({ buckets: value });
      expect(Result.isFailure(parsed) && parsed.failure.message).toBe(
        `tekton-chains-config-leader-election: invalid value ${JSON.stringify(value)} for key "buckets": a whole number from 1 to 10 is required`,
      );
    }
  });
});
