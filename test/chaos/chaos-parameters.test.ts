import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { parseChaosParameters } from "../../chaos/chaos-parameters.ts";

const deployed = (parse(readFileSync(new URL("../../deploy/leader-election-configmap.yaml", import.meta.url), "utf8")) as { data: Record<string, string> }).data;

const parsed = (argv: ReadonlyArray<string>, env: NodeJS.ProcessEnv = {}) => {
  const params = parseChaosParameters(argv, env);
  if (params === "help") throw new Error("unexpected help");
  return params;
};

describe("chaos parameters", () => {
  it("take the leader-election values deploy/ ships, unless overridden", () => {
    expect(parsed([]).leaderElection).toEqual(deployed);
    expect(parsed(["--lease-duration", "15s", "--retry-period", "2s"]).leaderElection).toEqual({ ...deployed, "lease-duration": "15s", "retry-period": "2s" });
  });

  it("default the deletion bound to the retry budget (2+4+8+16 s of retry delays) and the takeover bound to 20 s", () => {
    const params = parsed([]);
    expect(params.deletionBoundS).toBe(30);
    expect(params.takeoverBoundS).toBe(20);
  });

  it("take the bounds and the size from flags, or else from the environment", () => {
    const fromEnv = parsed([], { CHAOS_SIZE: "ci", CHAOS_TAKEOVER_BOUND_S: "25", CHAOS_DELETION_BOUND_S: "12" });
    expect([fromEnv.size, fromEnv.takeoverBoundS, fromEnv.deletionBoundS]).toEqual(["ci", 25, 12]);
    const fromFlags = parsed(["--size", "full", "--takeover-bound", "18"], { CHAOS_SIZE: "ci", CHAOS_TAKEOVER_BOUND_S: "25" });
    expect([fromFlags.size, fromFlags.takeoverBoundS]).toEqual(["full", 18]);
    expect(parsed(["--size", "ci"]).killsPerStep).toBeLessThan(parsed(["--size", "full"]).killsPerStep);
  });

  it("refuse unknown sizes, scenarios and non-positive numbers, naming the flag", () => {
    expect(() => parsed(["--size", "huge"])).toThrow("--size");
    expect(() => parsed(["--only", "lifecycle,typo"])).toThrow('unknown scenario "typo"');
    expect(() => parsed(["--takeover-bound", "0"])).toThrow("--takeover-bound");
    expect(() => parsed(["--fault-rate", "1"])).toThrow("--fault-rate");
  });
});
