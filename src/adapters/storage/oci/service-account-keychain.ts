import { Result } from "effect";
import {
  dockerConfigKeychain,
  InvalidDockerConfig,
  parseDockerConfig,
  type DockerConfigEntry,
  type DockerConfigShape,
} from "../../../domain/oci/docker-config.ts";
import { firstOf, type Keychain } from "../../../domain/oci/registry-credential.ts";
import type { DockerConfigSecret } from "../../../ports/registry-credentials.ts";

/** Secret type → the data key holding the config and its shape (storage.md §5 step 2). */
const dockerConfigKinds: Readonly<Record<string, { readonly key: string; readonly shape: DockerConfigShape }>> = {
  "kubernetes.io/dockerconfigjson": { key: ".dockerconfigjson", shape: "dockerconfigjson" },
  "kubernetes.io/dockercfg": { key: ".dockercfg", shape: "dockercfg" },
};

/**
 * The keychain of a ServiceAccount's Secrets, tried before `fallback` (the controller's own).
 * Entries of all Secrets are merged, so the longest matching key wins across Secrets; other Secret
 * types are ignored. A malformed docker config fails with the Secret and key named, never its content.
 */
export const serviceAccountKeychain = (
  secrets: ReadonlyArray<DockerConfigSecret>,
  fallback: Keychain,
): Result.Result<Keychain, InvalidDockerConfig> => {
  const entries: DockerConfigEntry[] = [];
  for (const secret of secrets) {
    const kind = dockerConfigKinds[secret.type];
    if (kind === undefined) continue;
    const source = `Secret ${secret.name} key ${kind.key}`;
    const text = secret.data[kind.key];
    if (text === undefined) return Result.fail(new InvalidDockerConfig({ source, reason: "the key is missing" }));
    const parsed = parseDockerConfig(text, kind.shape, source);
    if (parsed instanceof InvalidDockerConfig) return Result.fail(new InvalidDockerConfig({ source, reason: parsed.reason }));
    entries.push(...parsed);
  }
  return Result.succeed(firstOf([dockerConfigKeychain(entries), fallback]));
};
