import { describe, expect, it } from "vitest";
import { PrometheusMetrics } from "../../src/adapters/prometheus/prometheus-metrics.ts";
import { startObservabilityServers } from "../../src/app/observability/observability-servers.ts";

describe("probes and Prometheus metrics", () => {
  it("answers /healthz at once, /readyz once ready, and /metrics with the reference counter names", async () => {
    const metrics = new PrometheusMetrics();
    const servers = await startObservabilityServers({ healthPort: 0, metricsPort: 0, metrics });
    try {
      const health = `http://127.0.0.1:${servers.healthPort}`;
      expect((await fetch(`${health}/healthz`)).status).toBe(200);
      expect((await fetch(`${health}/readyz`)).status).toBe(503);
      servers.markReady();
      expect((await fetch(`${health}/readyz`)).status).toBe(200);

      metrics.increment("watcher_taskrun_sign_created_total");
      metrics.increment("watcher_taskrun_sign_created_total");
      metrics.increment("watcher_taskrun_signing_failures_total", { error_type: "storage" });
      const text = await (await fetch(`http://127.0.0.1:${servers.metricsPort}/metrics`)).text();
      expect(text).toContain("# TYPE watcher_taskrun_sign_created_total counter");
      expect(text).toMatch(/^watcher_taskrun_sign_created_total 2$/m);
      expect(text).toMatch(/^watcher_taskrun_signing_failures_total\{error_type="storage"\} 1$/m);
    } finally {
      await servers.close();
    }
  });
});
