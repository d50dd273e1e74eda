import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseLoggingConfig } from "../../src/domain/observability/logging-config.ts";

const zap = (level: string) => JSON.stringify({ level, encoding: "json", encoderConfig: { timeKey: "ts" } });

describe("parseLoggingConfig (Tekton Chains' config-logging)", () => {
  it("defaults to Info without the ConfigMap", () => {
    expect(parseLoggingConfig({})).toEqual({ minimumLevel: "Info", warnings: [] });
  });

  it("takes the level inside zap-logger-config", () => {
    expect(parseLoggingConfig({ "zap-logger-config": zap("debug") }).minimumLevel).toBe("Debug");
    expect(parseLoggingConfig({ "zap-logger-config": zap("error") }).minimumLevel).toBe("Error");
  });

  it("lets loglevel.controller override zap-logger-config, and ignores loglevel.webhook", () => {
    const parsed = parseLoggingConfig({ "zap-logger-config": zap("info"), "loglevel.controller": "warn", "loglevel.webhook": "debug" });
    expect(parsed).toEqual({ minimumLevel: "Warn", warnings: [] });
  });

  it("maps zap's panic levels to Fatal", () => {
    for (const level of ["dpanic", "panic", "fatal"]) expect(parseLoggingConfig({ "loglevel.controller": level }).minimumLevel).toBe("Fatal");
  });

  it("keeps the previous level and names the key of an unusable value", () => {
    const bad = parseLoggingConfig({ "zap-logger-config": zap("debug"), "loglevel.controller": "verbose" }, "my-logging");
    expect(bad.minimumLevel).toBe("Debug");
    expect(bad.warnings).toHaveLength(1);
    expect(bad.warnings[0]).toContain("my-logging");
    expect(bad.warnings[0]).toContain("loglevel.controller");
    const notJson = parseLoggingConfig({ "zap-logger-config": "{level: debug" });
    expect(notJson.minimumLevel).toBe("Info");
    expect(notJson.warnings[0]).toContain("zap-logger-config");
  });

  // Whatever the ConfigMap holds, parsing never throws and yields an Effect severity.
  it("never throws on arbitrary data", () => {
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom("zap-logger-config", "loglevel.controller", "x"), fc.string()), (data) => {
        expect(["Debug", "Info", "Warn", "Error", "Fatal"]).toContain(parseLoggingConfig(data).minimumLevel);
      }),
    );
  });
});
