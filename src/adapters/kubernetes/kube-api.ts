import { ApisApi, CoreV1Api, CustomObjectsApi, type KubeConfig } from "@kubernetes/client-node";
import { asyncLocalRequestLane } from "../node/async-local-request-lane.ts";
import { type ApiQuery, type JsonRequest, requestJson } from "./json-requests.ts";
import { openJsonWatch } from "./json-watch.ts";
import { RequestRateLimiter } from "./request-rate-limiter.ts";
import { shareConnections } from "./shared-connections.ts";

export interface KubeApiOptions {
  /** `--kube-api-qps`; default 20. */
  readonly qps?: number;
  /** `--kube-api-burst`; default 20. */
  readonly burst?: number;
}

/**
 * The typed API clients over one kubeconfig, every request passing through one rate limiter (in
 * the lane of the work that sends it) and one keep-alive connection pool.
 * `call` is the only way requests are sent, so the limit covers lists, watches and writes alike.
 */
export class KubeApi {
  readonly config: KubeConfig;
  readonly core: CoreV1Api;
  readonly custom: CustomObjectsApi;
  readonly apis: ApisApi;
  readonly #limiter: RequestRateLimiter;

  constructor(config: KubeConfig, options: KubeApiOptions = {}) {
    this.config = config;
    shareConnections(config);
    this.core = config.makeApiClient(CoreV1Api);
    this.custom = config.makeApiClient(CustomObjectsApi);
    this.apis = config.makeApiClient(ApisApi);
    this.#limiter = new RequestRateLimiter({ qps: options.qps ?? 20, burst: options.burst ?? 20 });
  }

  async call<A>(request: (api: KubeApi) => Promise<A>): Promise<A> {
    await this.#limiter.acquire(asyncLocalRequestLane.current());
    return request(this);
  }

  /** A GET or PATCH whose answer is read with `parseJsonText` (see json-requests.ts): for runs. */
  json(request: JsonRequest): Promise<unknown> {
    return requestJson(this.config, request);
  }

  /**
   * Opens a watch stream. `idleTimeoutMs` ends a stream that sends nothing (not even a BOOKMARK)
   * for that long, so a connection that silently died is noticed.
   */
  async watch(
    path: string,
    query: ApiQuery,
    onEvent: (type: string, object: unknown) => void,
    onDone: (error: unknown) => void,
    idleTimeoutMs: number,
  ): Promise<AbortController> {
    await this.#limiter.acquire(asyncLocalRequestLane.current());
    return openJsonWatch(this.config, path, query, onEvent, onDone, idleTimeoutMs);
  }

  /** Releases requests waiting for the rate limiter, for shutdown. */
  close(): void {
    this.#limiter.drain();
  }
}
