import { Context, Data, type Effect } from "effect";
import type { Keychain } from "../domain/oci/registry-credential.ts";
import type { RunObject } from "../domain/run/run-object.ts";

/**
 * Registry credentials for the `oci` storage backend (storage.md §5). An implementation builds, per
 * stored object, the keychain of the run's namespace and ServiceAccount:
 * 1. the ServiceAccount named by `serviceAccountOf(run)`; a missing ServiceAccount contributes nothing;
 * 2. every Secret in its `secrets` list, then in its `imagePullSecrets` (a Secret in both is read
 *    once; the newest reference ignores `imagePullSecrets`, issue 6 asks for them), of type
 *    `kubernetes.io/dockerconfigjson` (key `.dockerconfigjson`) or `kubernetes.io/dockercfg` (key
 *    `.dockercfg`), in list order, parsed with `parseDockerConfig` and merged with
 *    `dockerConfigKeychain` (longest matching key wins); other Secret types are ignored, a listed
 *    Secret that does not exist is skipped;
 * 3. then the controller's own keychain (its docker config and credential helpers, the GCE
 *    metadata server), through `firstOf`.
 *
 * A Kubernetes implementation needs `get` on `serviceaccounts` and `secrets` in run namespaces.
 */
export class RegistryCredentials extends Context.Service<
  RegistryCredentials,
  { readonly keychainFor: (run: RunObject) => Effect.Effect<Keychain, RegistryCredentialsUnavailable> }
>()("chains-ts/RegistryCredentials") {}

/**
 * The ServiceAccount's credentials could not be read (API error) or one of its docker config
 * Secrets is malformed. `reason` names the Secret and key, never their contents.
 */
export class RegistryCredentialsUnavailable extends Data.TaggedError("RegistryCredentialsUnavailable")<{
  readonly namespace: string;
  readonly serviceAccount: string;
  readonly reason: string;
}> {
  override get message(): string {
    return `registry credentials of ServiceAccount ${this.namespace}/${this.serviceAccount}: ${this.reason}`;
  }
}

/** A Secret as an implementation reads it: its type and its data, each value decoded to text. */
export interface DockerConfigSecret {
  readonly name: string;
  /** `kubernetes.io/dockerconfigjson`, `kubernetes.io/dockercfg`; any other type is ignored. */
  readonly type: string;
  readonly data: Readonly<Record<string, string>>;
}

/** Whose credentials a run's registry calls use. */
export interface ServiceAccountRef {
  readonly namespace: string;
  readonly name: string;
}

/**
 * `spec.serviceAccountName` of a TaskRun, `spec.taskRunTemplate.serviceAccountName` of a
 * PipelineRun; `default` when empty.
 */
export const serviceAccountOf = (run: RunObject): ServiceAccountRef => {
  const name =
    run.kind === "TaskRun" ? (run.spec?.serviceAccountName ?? "") : pipelineRunServiceAccount(run.raw);
  return { namespace: run.metadata.namespace, name: name === "" ? "default" : name };
};

const pipelineRunServiceAccount = (raw: unknown): string => {
  const spec = field(raw, "spec");
  const name = field(field(spec, "taskRunTemplate"), "serviceAccountName");
  return typeof name === "string" ? name : "";
};

const field = (value: unknown, key: string): unknown =>
  typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>)[key] : undefined;
