import { createHash } from "node:crypto";
import type { KubeConfig } from "@kubernetes/client-node";

type CreateDispatcher = (cluster: unknown, agentOptions: unknown) => { close(): Promise<void> } | undefined;

const shared = new WeakSet<KubeConfig>();

/** The TLS settings a dispatcher was built from, as one digest (buffers by content, not as JSON arrays). */
const fingerprintOf = (config: KubeConfig, cluster: unknown, agentOptions: unknown): string => {
  const options = config.createDispatcherOptions(cluster as Parameters<KubeConfig["createDispatcherOptions"]>[0], agentOptions as object);
  const text = JSON.stringify(options, function (this: Record<string, unknown>, key, value: unknown) {
    const raw = this[key];
    return raw instanceof Uint8Array ? Buffer.from(raw).toString("base64") : value;
  });
  return createHash("sha256").update(text).digest("hex");
};

/**
 * Makes every request through `config` share one keep-alive connection pool per API server.
 * client-node builds a new undici Agent for every request whose cluster has TLS settings (every
 * in-cluster request), so each call opened a new TCP and TLS connection. The pool is kept while
 * the settings stay the same (CA, client certificate, server name); when they change (a rotated
 * certificate), a new pool is made and the old one closes once its requests are done.
 */
export const shareConnections = (config: KubeConfig): void => {
  if (shared.has(config)) return;
  shared.add(config);
  // Not public in client-node's types: the one place where the per-request Agent is made.
  const create = Reflect.get(config, "createDispatcher") as CreateDispatcher | undefined;
  if (typeof create !== "function") return;
  let current: { readonly fingerprint: string; readonly dispatcher: ReturnType<CreateDispatcher> } | undefined;
  const reused: CreateDispatcher = (cluster, agentOptions) => {
    const fingerprint = fingerprintOf(config, cluster, agentOptions);
    if (current?.fingerprint === fingerprint) return current.dispatcher;
    void current?.dispatcher?.close().catch(() => undefined);
    current = { fingerprint, dispatcher: create.call(config, cluster, agentOptions) };
    return current.dispatcher;
  };
  Reflect.set(config, "createDispatcher", reused);
};
