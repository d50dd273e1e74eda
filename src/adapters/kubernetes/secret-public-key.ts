import { CoreV1Api } from "@kubernetes/client-node";
import { loadKubeConfig } from "./kube-config.ts";

/** `k8s://NAMESPACE/SECRET`, as cosign names a key kept in a Secret. */
const K8S_REF = /^k8s:\/\/([^/]+)\/([^/]+)$/;

export class SecretKeyUnavailable extends Error {
  override readonly name = "SecretKeyUnavailable";
}

/**
 * The `cosign.pub` of a Secret named like cosign's `k8s://NAMESPACE/SECRET` (what
 * `cosign generate-key-pair k8s://tekton-chains/signing-secrets` writes), read with the given
 * kubeconfig or the usual lookup order.
 */
export const readSecretPublicKey = async (ref: string, kubeconfig: string | undefined): Promise<string> => {
  const match = K8S_REF.exec(ref);
  if (match === null) throw new SecretKeyUnavailable(`${ref}: expected k8s://NAMESPACE/SECRET`);
  const [, namespace, name] = match as unknown as [string, string, string];
  const api = loadKubeConfig(kubeconfig === undefined ? {} : { kubeconfig }).makeApiClient(CoreV1Api);
  let data: Record<string, string> | undefined;
  try {
    data = (await api.readNamespacedSecret({ namespace, name })).data;
  } catch (error) {
    const code = (error as { code?: number }).code;
    throw new SecretKeyUnavailable(
      code === 404 ? `${ref}: no Secret ${name} in namespace ${namespace}` : `${ref}: cannot read the Secret: ${code ?? String(error)}`,
    );
  }
  const encoded = data?.["cosign.pub"];
  if (encoded === undefined) throw new SecretKeyUnavailable(`${ref}: the Secret has no cosign.pub key`);
  return Buffer.from(encoded, "base64").toString("utf8");
};
