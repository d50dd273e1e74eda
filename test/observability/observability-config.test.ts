import { describe, expect, it } from "vitest";
import { observabilityConfigWarnings } from "../../src/domain/observability/observability-config.ts";

describe("observabilityConfigWarnings (Tekton Chains' tekton-chains-config-observability)", () => {
  it("accepts what chains-ts does: Prometheus, and the documentation block", () => {
    expect(observabilityConfigWarnings({})).toEqual([]);
    expect(observabilityConfigWarnings({ "metrics-protocol": "prometheus", _example: "# metrics-protocol: grpc" })).toEqual([]);
  });

  it("names each key chains-ts cannot honour, with its value", () => {
    const warnings = observabilityConfigWarnings(
      { "metrics-protocol": "grpc", "metrics-endpoint": "otel:4317", "metrics-export-interval": "1m" },
      "obs",
    );
    expect(warnings).toHaveLength(3);
    for (const [key, value] of [["metrics-protocol", "grpc"], ["metrics-endpoint", "otel:4317"], ["metrics-export-interval", "1m"]] as const) {
      expect(warnings.some((w) => w.startsWith("obs:") && w.includes(key) && w.includes(JSON.stringify(value)))).toBe(true);
    }
  });

  it("warns that metrics-protocol none still serves /metrics", () => {
    expect(observabilityConfigWarnings({ "metrics-protocol": "none" })).toEqual([expect.stringContaining("/metrics on port 9090")]);
  });
});
