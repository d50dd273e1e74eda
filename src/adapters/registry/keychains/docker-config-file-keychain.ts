import { readFile, stat } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { Effect } from "effect";
import {
  credentialHelperFor,
  dockerConfigKeychain,
  InvalidDockerConfig,
  parseDockerConfigFile,
  type DockerConfigFile,
} from "../../../domain/oci/docker-config.ts";
import { anonymous, type Keychain } from "../../../domain/oci/registry-credential.ts";
import type { AdapterLog } from "../../kubernetes/adapter-log.ts";
import { credentialHelperKeychain, type CredentialHelperOptions } from "./credential-helper-keychain.ts";

/** `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`, where the docker CLI looks. */
export const dockerConfigPath = (env: NodeJS.ProcessEnv): string =>
  join(env["DOCKER_CONFIG"] || join(env["HOME"] || homedir(), ".docker"), "config.json");

/**
 * The controller's docker config (storage.md §5 step 3): a registry with a credential helper
 * (`credHelpers`, else `credsStore`) gets the helper's answer, any other the longest matching
 * `auths` entry. No file means anonymous; a malformed one, anonymous and a warning (once per
 * version of the file).
 *
 * The file is checked (one stat) at every lookup and parsed again when it changed, rather than
 * read once at start-up: it is usually a mounted Secret, which the kubelet replaces in place, or
 * is rewritten by a login or token refresher, and like the signing keys a new one should apply
 * without a restart. A stat is nothing next to the registry round trips a lookup precedes.
 */
export const dockerConfigFileKeychain = (options: CredentialHelperOptions): Keychain => {
  const path = dockerConfigPath(options.env);
  const file = new WatchedDockerConfig(path, options.log);
  return (registry, repository) =>
    Effect.promise(() => file.current()).pipe(
      Effect.flatMap((config) => {
        if (config === undefined) return Effect.succeed(anonymous);
        const helper = credentialHelperFor(config, registry);
        return helper === undefined
          ? dockerConfigKeychain(config.entries)(registry, repository)
          : credentialHelperKeychain(helper, options)(registry, repository);
      }),
    );
};

/** The parsed file, kept while its identity (inode, size, mtime) stays the same. */
class WatchedDockerConfig {
  readonly #path: string;
  readonly #log: AdapterLog;
  #version = "";
  #config: DockerConfigFile | undefined;

  constructor(path: string, log: AdapterLog) {
    this.#path = path;
    this.#log = log;
  }

  async current(): Promise<DockerConfigFile | undefined> {
    let version: string;
    try {
      const s = await stat(this.#path);
      version = `${s.ino} ${s.size} ${s.mtimeMs}`;
    } catch {
      // No file is the usual case outside a configured pod: anonymous, quietly.
      this.#version = "";
      return (this.#config = undefined);
    }
    if (version === this.#version) return this.#config;
    this.#version = version;
    this.#config = await this.#read();
    return this.#config;
  }

  async #read(): Promise<DockerConfigFile | undefined> {
    let text: string;
    try {
      text = await readFile(this.#path, "utf8");
    } catch (error) {
      this.#log("warning", `docker config ${this.#path}: cannot be read (${(error as NodeJS.ErrnoException).code ?? "error"}); no registry credentials from it`);
      return undefined;
    }
    const parsed = parseDockerConfigFile(text, this.#path);
    if (parsed instanceof InvalidDockerConfig) {
      this.#log("warning", `docker config ${parsed.source}: ${parsed.reason}; no registry credentials from it`);
      return undefined;
    }
    return parsed;
  }
}
