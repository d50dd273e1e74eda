import { createServer, type Server } from "node:http";
import type { Socket } from "node:net";
import { FaultInjector } from "./fault-injection.ts";
import { createHandler } from "./http-handler.ts";
import { kubeconfigYaml, writeKubeconfig, type KubeconfigOptions } from "./kubeconfig.ts";
import { ObjectStore } from "./object-store.ts";
import { RequestLog } from "./request-log.ts";
import { buildCatalog, type ResourceType } from "./resource-catalog.ts";
import { ResourceOperations } from "./resource-operations.ts";
import { SeedingStore } from "./seeding-store.ts";
import { WatchHub } from "./watch-hub.ts";

export interface EmulatorOptions {
  /** tekton.dev versions to serve, preferred first. `["v1beta1"]` emulates an old Tekton. Default `["v1", "v1beta1"]`. */
  readonly tektonVersions?: readonly string[];
  /** Changes kept for watch replay; a watch from before the window gets 410. Default 1000. */
  readonly historyLimit?: number;
  /** Interval of BOOKMARK events on watches that allow them. Default 5000 ms. */
  readonly bookmarkIntervalMs?: number;
  /** Watch length when the client sends no `timeoutSeconds`. Default 1800 s. */
  readonly defaultWatchTimeoutSeconds?: number;
  /**
   * How a watch from a compacted resourceVersion fails. `error-event` (default) is what a real API server
   * does: HTTP 200, one `ERROR` event carrying a 410 `Expired` Status, end of stream. `http-410` answers
   * the request itself with 410. client-node's informer relists on both.
   */
  readonly expiredWatch?: "error-event" | "http-410";
  /** Refuse objects in namespaces that do not exist. Default false: namespaces are created on demand. */
  readonly strictNamespaces?: boolean;
  /** Namespaces present from the start. Default `default`, `kube-system`, `kube-public`, `tekton-chains`. */
  readonly namespaces?: readonly string[];
  readonly now?: () => Date;
  /** Default 0: a free port. */
  readonly port?: number;
}

export interface KubeApiEmulator {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  readonly catalog: readonly ResourceType[];
  readonly store: SeedingStore;
  readonly requestLog: RequestLog;
  readonly faults: FaultInjector;
  readonly watches: WatchHub;
  readonly kubeconfig: (options?: KubeconfigOptions) => string;
  /** Writes a kubeconfig for this emulator into `dir` (default: a new temporary directory); returns its path. */
  readonly writeKubeconfig: (dir?: string, options?: KubeconfigOptions) => Promise<string>;
  /** Drops the watch history: the next watch from any earlier resourceVersion gets 410 Gone. */
  readonly compactHistory: () => void;
  /** Ends every open watch stream cleanly (clients see EOF and re-watch). */
  readonly dropWatches: () => void;
  /** TCP connections accepted so far: tells a client that reuses connections from one that opens one per request. */
  readonly connectionsAccepted: () => number;
  readonly stop: () => Promise<void>;
}

/** Starts a loopback Kubernetes API server emulator (plain HTTP, no auth). */
export const startKubeApiEmulator = async (options: EmulatorOptions = {}): Promise<KubeApiEmulator> => {
  const catalog = buildCatalog({ ...(options.tektonVersions === undefined ? {} : { tektonVersions: options.tektonVersions }) });
  const objects = new ObjectStore({ ...(options.historyLimit === undefined ? {} : { historyLimit: options.historyLimit }) });
  const operations = new ResourceOperations(objects, catalog, {
    ...(options.now === undefined ? {} : { now: options.now }),
    ...(options.strictNamespaces === undefined ? {} : { strictNamespaces: options.strictNamespaces }),
  });
  const store = new SeedingStore(objects, operations, catalog);
  for (const name of options.namespaces ?? ["default", "kube-system", "kube-public", "tekton-chains"]) {
    store.seed({ apiVersion: "v1", kind: "Namespace", metadata: { name }, spec: { finalizers: ["kubernetes"] }, status: { phase: "Active" } });
  }
  const requestLog = new RequestLog();
  const faults = new FaultInjector();
  const hub = new WatchHub(objects);
  const handler = createHandler({
    catalog,
    operations,
    hub,
    log: requestLog,
    faults,
    options: {
      bookmarkIntervalMs: options.bookmarkIntervalMs ?? 5000,
      defaultWatchTimeoutSeconds: options.defaultWatchTimeoutSeconds ?? 1800,
      expiredWatch: options.expiredWatch ?? "error-event",
    },
  });
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    handler(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { "Content-Type": "text/plain" });
      res.end(String(error));
    });
  });
  let connectionsAccepted = 0;
  server.on("connection", (socket) => {
    connectionsAccepted += 1;
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("the emulator did not get a TCP address");
  const url = `http://127.0.0.1:${address.port}`;
  return {
    url,
    catalog,
    store,
    requestLog,
    faults,
    watches: hub,
    kubeconfig: (kubeconfigOptions) => kubeconfigYaml(url, kubeconfigOptions),
    writeKubeconfig: (dir, kubeconfigOptions) => writeKubeconfig(url, dir, kubeconfigOptions),
    compactHistory: () => objects.compact(),
    dropWatches: () => hub.closeAll(),
    connectionsAccepted: () => connectionsAccepted,
    stop: async () => {
      hub.closeAll();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
};
