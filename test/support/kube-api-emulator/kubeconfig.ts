import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";

export interface KubeconfigOptions {
  /** The default namespace of the context. */
  readonly namespace?: string;
  /** A bearer token to send (the emulator accepts anything). */
  readonly token?: string;
}

/**
 * A kubeconfig with one cluster, user and context, pointing at `server`. client-node refuses plain
 * `http://` servers unless the cluster says `insecure-skip-tls-verify: true`; kubectl ignores it for http.
 */
export const kubeconfigYaml = (server: string, options: KubeconfigOptions = {}): string =>
  stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "emulator", cluster: { server, "insecure-skip-tls-verify": true } }],
    users: [{ name: "emulator", user: options.token === undefined ? {} : { token: options.token } }],
    contexts: [
      {
        name: "emulator",
        context: { cluster: "emulator", user: "emulator", ...(options.namespace === undefined ? {} : { namespace: options.namespace }) },
      },
    ],
    "current-context": "emulator",
    preferences: {},
  });

/** Writes the kubeconfig into `dir` (a fresh temporary directory when omitted) and returns its path. */
export const writeKubeconfig = async (server: string, dir?: string, options: KubeconfigOptions = {}): Promise<string> => {
  const target = dir ?? (await mkdtemp(join(tmpdir(), "kube-api-emulator-")));
  const path = join(target, "kubeconfig");
  await writeFile(path, kubeconfigYaml(server, options), { mode: 0o600 });
  return path;
};
