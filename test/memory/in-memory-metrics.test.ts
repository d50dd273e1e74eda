import { describe, expect, it } from "vitest";
import { InMemoryMetrics } from "../../src/adapters/memory/in-memory-metrics.ts";

describe("InMemoryMetrics", () => {
  it("counts per name and label set, and sums over matching series", () => {
    const metrics = new InMemoryMetrics();
    metrics.increment("watcher_taskrun_sign_created_total");
    metrics.increment("watcher_taskrun_sign_created_total", { namespace: "a", kind: "x" });
    metrics.increment("watcher_taskrun_sign_created_total", { kind: "x", namespace: "a" });
    metrics.increment("watcher_taskrun_sign_created_total", { namespace: "b" });
    metrics.increment("watcher_pipelinerun_sign_created_total", { namespace: "a" });

    expect(metrics.value("watcher_taskrun_sign_created_total")).toBe(4);
    expect(metrics.value("watcher_taskrun_sign_created_total", { namespace: "a" })).toBe(2);
    expect(metrics.value("watcher_taskrun_sign_created_total", { namespace: "c" })).toBe(0);
    expect(metrics.value("absent_total")).toBe(0);
    expect(metrics.snapshot()).toEqual([
      { name: "watcher_pipelinerun_sign_created_total", labels: { namespace: "a" }, value: 1 },
      { name: "watcher_taskrun_sign_created_total", labels: {}, value: 1 },
      { name: "watcher_taskrun_sign_created_total", labels: { kind: "x", namespace: "a" }, value: 2 },
      { name: "watcher_taskrun_sign_created_total", labels: { namespace: "b" }, value: 1 },
    ]);
  });
});
