import type { V1ServiceAccount } from "@kubernetes/client-node";
import { Effect, Result } from "effect";
import type { Keychain } from "../../domain/oci/registry-credential.ts";
import {
  type DockerConfigSecret,
  type RegistryCredentials,
  RegistryCredentialsUnavailable,
  serviceAccountOf,
} from "../../ports/registry-credentials.ts";
import { serviceAccountKeychain } from "../storage/oci/service-account-keychain.ts";
import type { KubeApi } from "./kube-api.ts";

const statusOf = (error: unknown): number | undefined => (error as { code?: number }).code;

/** Reads an object, or `undefined` when it does not exist (a listed Secret may be gone). */
const readOptional = async <A>(read: () => Promise<A>): Promise<A | undefined> => {
  try {
    return await read();
  } catch (error) {
    if (statusOf(error) === 404) return undefined;
    throw error;
  }
};

const decodeData = (data: Readonly<Record<string, string>> | undefined): Record<string, string> =>
  Object.fromEntries(Object.entries(data ?? {}).map(([key, value]) => [key, Buffer.from(value, "base64").toString("utf8")]));

/**
 * The Secrets a ServiceAccount names: its `secrets`, then its `imagePullSecrets`, each name once.
 * The newest reference reads only `secrets` (storage.md §5 step 2, since 2026-08) while its docs
 * still describe both; the project's issue 6 asks for both, as the docs say, so that the pull
 * secret most clusters already give a ServiceAccount also serves for pushing signatures.
 */
const secretNamesOf = (serviceAccount: V1ServiceAccount | undefined): ReadonlyArray<string> => {
  const refs = [...(serviceAccount?.secrets ?? []), ...(serviceAccount?.imagePullSecrets ?? [])];
  return [...new Set(refs.flatMap((ref) => (ref.name === undefined || ref.name === "" ? [] : [ref.name])))];
};

/**
 * Registry credentials from the API server, as the port describes: the run's ServiceAccount, the
 * Secrets it names, then the controller's own keychain. One GET for the ServiceAccount and one per
 * distinct Secret, per stored object; nothing is written.
 */
export const makeKubernetesRegistryCredentials = (api: KubeApi, controllerKeychain: Keychain): RegistryCredentials["Service"] => ({
  keychainFor: (run) => {
    const account = serviceAccountOf(run);
    const unavailable = (reason: string) =>
      new RegistryCredentialsUnavailable({ namespace: account.namespace, serviceAccount: account.name, reason });
    return Effect.tryPromise({
      try: async () => {
        const serviceAccount = await readOptional(() =>
          api.call((a) => a.core.readNamespacedServiceAccount({ namespace: account.namespace, name: account.name })),
        );
        const secrets: Array<DockerConfigSecret> = [];
        for (const name of secretNamesOf(serviceAccount)) {
          const secret = await readOptional(() => api.call((a) => a.core.readNamespacedSecret({ namespace: account.namespace, name })));
          if (secret !== undefined) secrets.push({ name, type: secret.type ?? "", data: decodeData(secret.data) });
        }
        return secrets;
      },
      catch: (error) => unavailable(`cannot read the ServiceAccount or its Secrets: HTTP ${statusOf(error) ?? "error"}`),
    }).pipe(
      Effect.flatMap((secrets) => {
        const keychain = serviceAccountKeychain(secrets, controllerKeychain);
        return Result.isSuccess(keychain)
          ? Effect.succeed(keychain.success)
          : Effect.fail(unavailable(`${keychain.failure.source}: ${keychain.failure.reason}`));
      }),
    );
  },
});
