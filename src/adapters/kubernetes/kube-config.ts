import { existsSync } from "node:fs";
import { KubeConfig } from "@kubernetes/client-node";

/** No usable connection settings were found, or the kubeconfig could not be read. */
export class KubeConfigUnusable extends Error {
  override readonly name = "KubeConfigUnusable";
}

const SERVICE_ACCOUNT_TOKEN = "/var/run/secrets/kubernetes.io/serviceaccount/token";

/**
 * Where to reach the API server, in client-go's order: `--kubeconfig`, then `$KUBECONFIG`, then
 * the pod's service account (in cluster), then `~/.kube/config`.
 */
export const loadKubeConfig = (options: { readonly kubeconfig?: string; readonly env?: NodeJS.ProcessEnv } = {}): KubeConfig => {
  const env = options.env ?? process.env;
  const kc = new KubeConfig();
  try {
    if (options.kubeconfig !== undefined) kc.loadFromFile(options.kubeconfig);
    else if ((env["KUBECONFIG"] ?? "") === "" && env["KUBERNETES_SERVICE_HOST"] !== undefined && existsSync(SERVICE_ACCOUNT_TOKEN))
      kc.loadFromCluster();
    else kc.loadFromDefault();
  } catch (error) {
    const where = options.kubeconfig ?? env["KUBECONFIG"] ?? "the default kubeconfig";
    throw new KubeConfigUnusable(`cannot load ${where}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const cluster = kc.getCurrentCluster();
  if (cluster === null || cluster.server === "") {
    throw new KubeConfigUnusable("no current cluster: pass --kubeconfig, set KUBECONFIG, or run in a pod");
  }
  return kc;
};
