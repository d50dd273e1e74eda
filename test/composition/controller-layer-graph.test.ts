import { generateKeyPairSync } from "node:crypto";
import { Context, Effect, Exit, Layer, Scope } from "effect";
import { describe, expect, it } from "vitest";
import { InMemoryCluster } from "../../src/adapters/memory/in-memory-cluster.ts";
import { InMemoryMetrics } from "../../src/adapters/memory/in-memory-metrics.ts";
import { InMemoryTransparencyLog } from "../../src/adapters/memory/in-memory-transparency-log.ts";
import { completeRun } from "../../src/adapters/memory/run-completion-mutation.ts";
import { ControllerLeadership } from "../../src/app/composition/controller-leadership.ts";
import { ControllerSettings } from "../../src/app/composition/controller-settings.ts";
import { artifactStoresLayer, clusterControllerLayer, clusterLayer, logsLayer, transparencyLogLayer } from "../../src/app/composition/layers.ts";
import { runningControllerLayer } from "../../src/app/composition/running-controller.ts";
import { soleLeader } from "../../src/app/controller/leadership.ts";
import { defaultControllerOptions } from "../../src/app/controller/run-controller.ts";
import { sampleRuns } from "../../src/app/demo/sample-runs.ts";
import { Observability } from "../../src/app/observability/observability-servers.ts";
import { Metrics } from "../../src/ports/metrics.ts";
import { eventually } from "../support/until.ts";

/** Stands in for the API connection: the in-memory cluster. */
class Connection extends Context.Service<Connection, InMemoryCluster>()("test/Connection") {}

describe("the controller's layer graph", () => {
  it("releases in reverse order: controller stopped after its passes, then the Leases, the backends' clients, the API connection, the servers", async () => {
    const released: Array<string> = [];
    const releasing = (what: string) => Effect.addFinalizer(() => Effect.sync(() => released.push(what)));
    const cluster = new InMemoryCluster();
    cluster.setSecret("x509.pem", generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ type: "pkcs8", format: "pem" }).toString());
    cluster.setConfig({ "artifacts.taskrun.storage": "oci" });
    // A backend whose stores wait until shutdown has begun, so the pass is in flight then: a pass
    // cut short would never record "stored".
    let finishStoring = () => {};
    const gate = new Promise<void>((resolve) => (finishStoring = resolve));
    let stores = 0;
    const oci = {
      name: "oci" as const,
      store: () => {
        stores += 1;
        return Effect.promise(() => gate).pipe(
          Effect.map(() => {
            released.push("stored");
            return { annotations: {} };
          }),
        );
      },
    };
    const graph = clusterControllerLayer({
      servers: Layer.effect(Observability)(
        Effect.as(releasing("servers"), { healthPort: 0, metricsPort: 0, markReady: () => undefined, close: async () => undefined }),
      ),
      connection: Layer.effect(Connection)(Effect.as(releasing("API connection"), cluster)),
      cluster: Layer.unwrap(
        Connection.useSync((connected) => {
          const ports = connected.ports();
          // Shutdown's first step is to stop watching; the pass is let finish only after it.
          const watchRuns: typeof ports.runSource.watchRuns = (onEvent) =>
            Effect.map(ports.runSource.watchRuns(onEvent), (watch) => ({
              stop: () => {
                watch.stop();
                finishStoring();
              },
            }));
          return clusterLayer({ ...ports, runSource: { ...ports.runSource, watchRuns } });
        }),
      ),
      settings: Layer.succeed(ControllerSettings, { election: undefined, logLevel: "Info" }),
      backends: Layer.mergeAll(
        Layer.effectDiscard(releasing("backends' clients")),
        Layer.succeed(Metrics, new InMemoryMetrics()),
        transparencyLogLayer(new InMemoryTransparencyLog()),
        artifactStoresLayer([oci]),
        logsLayer("silent"),
      ),
      leases: Layer.effect(ControllerLeadership)(Effect.as(releasing("Leases"), soleLeader)),
      controller: runningControllerLayer({ ...defaultControllerOptions, shutdownGraceMs: 30_000 }).pipe(Layer.provideMerge(Layer.effectDiscard(releasing("controller stopped")))),
    });
    const scope = Scope.makeUnsafe();
    await Effect.runPromise(Scope.provide(scope)(Layer.build(graph)));
    const created = cluster.createRun(structuredClone(sampleRuns().taskRuns[0]!));
    cluster.updateRun({ kind: created.kind, namespace: created.metadata.namespace, name: created.metadata.name }, completeRun("True", new Date()));
    await eventually(() => stores, (count) => count > 0, "the pass storing");
    await Effect.runPromise(Scope.close(scope, Exit.void));
    expect(released.filter((what) => what === "stored")).toHaveLength(stores);
    expect(released.lastIndexOf("stored")).toBeLessThan(released.indexOf("controller stopped"));
    expect(released.filter((what) => what !== "stored")).toEqual(["controller stopped", "Leases", "backends' clients", "API connection", "servers"]);
  }, 60_000);
});
