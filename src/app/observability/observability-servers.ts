import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Context, Data, Effect, Layer, type Scope } from "effect";
import type { PrometheusMetrics } from "../../adapters/prometheus/prometheus-metrics.ts";

export interface ObservabilityServers {
  readonly healthPort: number;
  readonly metricsPort: number;
  /** `/readyz` answers 200 from now on. */
  readonly markReady: () => void;
  readonly close: () => Promise<void>;
}

/** A probe or metrics port could not be bound (in use, or not permitted). */
export class ObservabilityUnavailable extends Data.TaggedError("ObservabilityUnavailable")<{ readonly reason: string }> {}

const listen = (server: Server, port: number): Promise<number> =>
  new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, () => resolve((server.address() as AddressInfo).port));
  });

/**
 * The probes the Deployment points at (`/healthz`, `/readyz` on the health port) and Prometheus
 * `/metrics` on the metrics port, as the reference serves them on 9090.
 */
export const startObservabilityServers = async (options: {
  readonly healthPort: number;
  readonly metricsPort: number;
  readonly metrics: PrometheusMetrics;
}): Promise<ObservabilityServers> => {
  let ready = false;
  const health = createServer((request, response) => {
    const path = (request.url ?? "").split("?")[0];
    if (path === "/healthz") response.writeHead(200, { "content-type": "text/plain" }).end("ok\n");
    else if (path === "/readyz")
      response.writeHead(ready ? 200 : 503, { "content-type": "text/plain" }).end(ready ? "ready\n" : "starting\n");
    else response.writeHead(404).end();
  });
  const metrics = createServer((request, response) => {
    if ((request.url ?? "").split("?")[0] !== "/metrics") {
      response.writeHead(404).end();
      return;
    }
    options.metrics.render().then(
      (text) => response.writeHead(200, { "content-type": options.metrics.contentType }).end(text),
      (error: unknown) => response.writeHead(500).end(String(error)),
    );
  });
  const healthPort = await listen(health, options.healthPort);
  const metricsPort = await listen(metrics, options.metricsPort);
  const closeServer = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()));
  return {
    healthPort,
    metricsPort,
    markReady: () => {
      ready = true;
    },
    close: async () => {
      await Promise.all([closeServer(health), closeServer(metrics)]);
    },
  };
};

/** The servers, for as long as the scope is open. */
export const observabilityServers = (
  options: Parameters<typeof startObservabilityServers>[0],
): Effect.Effect<ObservabilityServers, ObservabilityUnavailable, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.tryPromise({
      try: () => startObservabilityServers(options),
      catch: (error) => new ObservabilityUnavailable({ reason: error instanceof Error ? error.message : String(error) }),
    }),
    (servers) => Effect.promise(() => servers.close()),
  );

/** The probe and metrics servers of the running process. */
export class Observability extends Context.Service<Observability, ObservabilityServers>()("chains-ts/Observability") {}

/** `observabilityServers` as a Layer: closed when the layer's scope closes. */
export const observabilityServersLayer = (
  options: Parameters<typeof startObservabilityServers>[0],
): Layer.Layer<Observability, ObservabilityUnavailable> => Layer.effect(Observability)(observabilityServers(options));
