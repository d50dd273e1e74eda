import { Result } from "effect";
import { describe, expect, it } from "vitest";
import { ConfigHolder } from "../../src/app/controller/config-holder.ts";
import { defaultChainsConfig } from "../../src/domain/config/parse-chains-config.ts";

const holderOf = (data: Record<string, string>): ConfigHolder => {
  const started = ConfigHolder.initial(data);
  if (Result.isFailure(started)) throw new Error(`expected a valid start-up config, got: ${started.failure.message}`);
  return started.success.holder;
};

describe("config holder", () => {
  it("refuses an invalid start-up config, naming the key and the value", () => {
    const started = ConfigHolder.initial({ "artifacts.taskrun.format": "in-toto", "transparency.enabled": "TRUE" });
    if (Result.isSuccess(started)) throw new Error("expected the start-up config to be refused");
    expect(started.failure._tag).toBe("ConfigInvalid");
    expect(started.failure.key).toBe("transparency.enabled");
    expect(started.failure.message).toContain('"transparency.enabled"');
    expect(started.failure.message).toContain('"TRUE"');
  });

  it("starts with the given config and passes its warnings on", () => {
    const started = ConfigHolder.initial({ "artifacts.taskrun.format": "tekton" });
    if (Result.isFailure(started)) throw new Error(started.failure.message);
    expect(started.success.holder.current().artifacts.taskrun.format).toBe("tekton");
    expect(started.success.warnings.some((warning) => warning.includes("artifacts.taskrun.format"))).toBe(true);
  });

  it("applies a valid live update", () => {
    const holder = holderOf({});
    expect(holder.current()).toEqual(defaultChainsConfig);
    const update = holder.update({ "artifacts.taskrun.format": "slsa/v1", "transparency.enabled": "true" });
    expect(update._tag).toBe("Applied");
    expect(holder.current().artifacts.taskrun.format).toBe("slsa/v1");
    expect(holder.current().transparency.mode).toBe("always");
  });

  it("rejects an invalid live update and keeps the previous config in force", () => {
    const holder = holderOf({ "artifacts.taskrun.format": "slsa/v1" });
    const before = holder.current();
    const update = holder.update({ "artifacts.taskrun.format": "slsa/v2alpha1" });
    if (update._tag !== "Rejected") throw new Error(`expected Rejected, got ${update._tag}`);
    expect(update.error.key).toBe("artifacts.taskrun.format");
    expect(update.error.value).toBe("slsa/v2alpha1");
    expect(holder.current()).toBe(before);
    expect(holder.current().artifacts.taskrun.format).toBe("slsa/v1");
  });

  it("reports identical data as Unchanged, whatever the key order", () => {
    const holder = holderOf({ "artifacts.taskrun.format": "slsa/v1", "transparency.enabled": "manual" });
    const before = holder.current();
    expect(holder.update({ "transparency.enabled": "manual", "artifacts.taskrun.format": "slsa/v1" })._tag).toBe("Unchanged");
    expect(holder.current()).toBe(before);
  });

  it("reports a repeated rejected update as Unchanged, and recovers when valid data returns", () => {
    const holder = holderOf({});
    const bad = { "transparency.enabled": "yes" };
    expect(holder.update(bad)._tag).toBe("Rejected");
    expect(holder.update(bad)._tag).toBe("Unchanged");
    expect(holder.current()).toEqual(defaultChainsConfig);
    expect(holder.update({ "transparency.enabled": "manual" })._tag).toBe("Applied");
    expect(holder.current().transparency.mode).toBe("manual");
  });
});
