import { Cause, Effect, Exit, Scope } from "effect";
import { describe, expect, it } from "vitest";
import { PrometheusMetrics } from "../../src/adapters/prometheus/prometheus-metrics.ts";
import { ObservabilityUnavailable, observabilityServers } from "../../src/app/observability/observability-servers.ts";

const answers = (url: string) => fetch(url).then(
  () => true,
  () => false,
);

describe("the probe and metrics servers as a scoped resource", () => {
  it("serve while the scope is open and stop when it closes", async () => {
    const scope = Scope.makeUnsafe();
    const servers = await Effect.runPromise(
      Scope.provide(scope)(observabilityServers({ healthPort: 0, metricsPort: 0, metrics: new PrometheusMetrics() })),
    );
    const health = `http://127.0.0.1:${servers.healthPort}/healthz`;
    const metrics = `http://127.0.0.1:${servers.metricsPort}/metrics`;
    expect([await answers(health), await answers(metrics)]).toEqual([true, true]);
    await Effect.runPromise(Scope.close(scope, Exit.void));
    expect([await answers(health), await answers(metrics)]).toEqual([false, false]);
  });

  it("fails with why when a port is taken", async () => {
    const scope = Scope.makeUnsafe();
    const first = await Effect.runPromise(
      Scope.provide(scope)(observabilityServers({ healthPort: 0, metricsPort: 0, metrics: new PrometheusMetrics() })),
    );
    const second = await Effect.runPromiseExit(
      Effect.scoped(observabilityServers({ healthPort: first.healthPort, metricsPort: 0, metrics: new PrometheusMetrics() })),
    );
    await Effect.runPromise(Scope.close(scope, Exit.void));
    const error = Exit.isFailure(second) ? Cause.squash(second.cause) : undefined;
    expect(error).toBeInstanceOf(ObservabilityUnavailable);
    expect((error as ObservabilityUnavailable).reason).toContain("EADDRINUSE");
  });
});
