import { Effect, Result } from "effect";
import { anonymousKeychain, type Keychain } from "../../domain/oci/registry-credential.ts";
import type { RunObject } from "../../domain/run/run-object.ts";
import {
  type DockerConfigSecret,
  type RegistryCredentials,
  RegistryCredentialsUnavailable,
  serviceAccountOf,
} from "../../ports/registry-credentials.ts";
import { serviceAccountKeychain } from "../storage/oci/service-account-keychain.ts";

/**
 * ServiceAccounts and their docker config Secrets kept in memory, keyed `namespace/serviceaccount`:
 * what a Kubernetes implementation reads from the API (the ServiceAccount's `secrets` and
 * `imagePullSecrets`, then each Secret). Runs whose ServiceAccount is not set get only the
 * controller's keychain.
 */
type RegistryCredentialsService = RegistryCredentials["Service"];

export class InMemoryRegistryCredentials implements RegistryCredentialsService {
  readonly #serviceAccounts = new Map<string, ReadonlyArray<DockerConfigSecret>>();
  readonly #controller: Keychain;
  readonly #lookups: Array<string> = [];

  constructor(options: { readonly controllerKeychain?: Keychain } = {}) {
    this.#controller = options.controllerKeychain ?? anonymousKeychain;
  }

  /** Sets the Secrets a ServiceAccount lists (replacing earlier ones). */
  setServiceAccount(namespace: string, name: string, secrets: ReadonlyArray<DockerConfigSecret>): void {
    this.#serviceAccounts.set(`${namespace}/${name}`, [...secrets]);
  }

  deleteServiceAccount(namespace: string, name: string): void {
    this.#serviceAccounts.delete(`${namespace}/${name}`);
  }

  /** `namespace/serviceaccount` of every `keychainFor` call, in order. */
  lookups(): ReadonlyArray<string> {
    return [...this.#lookups];
  }

  readonly keychainFor = (run: RunObject): Effect.Effect<Keychain, RegistryCredentialsUnavailable> =>
    Effect.suspend(() => {
      const sa = serviceAccountOf(run);
      this.#lookups.push(`${sa.namespace}/${sa.name}`);
      const secrets = this.#serviceAccounts.get(`${sa.namespace}/${sa.name}`) ?? [];
      const keychain = serviceAccountKeychain(secrets, this.#controller);
      return Result.isSuccess(keychain)
        ? Effect.succeed(keychain.success)
        : Effect.fail(
            new RegistryCredentialsUnavailable({
              namespace: sa.namespace,
              serviceAccount: sa.name,
              reason: `${keychain.failure.source}: ${keychain.failure.reason}`,
            }),
          );
    });
}
