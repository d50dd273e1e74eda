import { Data, Effect, Redacted } from "effect";
import { isJsonObject } from "./json-object.ts";
import { anonymous, type Keychain, type RegistryCredential } from "./registry-credential.ts";
import { parseJsonText } from "../serialization/json-text.ts";

/**
 * Registry credentials from docker config files: Secrets of type `kubernetes.io/dockerconfigjson`
 * (`{"auths":{…}}`) and the older `kubernetes.io/dockercfg` (the `auths` map itself), and the
 * controller's own `config.json`, which may also name credential helpers.
 */

/** One `auths` entry: the key it was filed under (host, or host and path) and its credential. */
export interface DockerConfigEntry {
  readonly key: string;
  readonly credential: RegistryCredential;
}

/** The file is not a docker config. `source` names the Secret key or file; contents are never quoted. */
export class InvalidDockerConfig extends Data.TaggedError("InvalidDockerConfig")<{
  readonly source: string;
  readonly reason: string;
}> {}

export type DockerConfigShape = "dockerconfigjson" | "dockercfg";

export const parseDockerConfig = (
  text: string,
  shape: DockerConfigShape,
  source: string,
): ReadonlyArray<DockerConfigEntry> | InvalidDockerConfig => {
  const json = parseJsonObject(text, source);
  return json instanceof InvalidDockerConfig ? json : authsEntries(shape === "dockerconfigjson" ? (json["auths"] ?? {}) : json, source);
};

/**
 * A docker CLI `config.json`: its `auths`, and the credential helpers that replace them, per
 * registry (`credHelpers`, keyed like `auths`) or for every other registry (`credsStore`).
 */
export interface DockerConfigFile {
  readonly entries: ReadonlyArray<DockerConfigEntry>;
  readonly credHelpers: Readonly<Record<string, string>>;
  readonly credsStore: string | undefined;
}

export const parseDockerConfigFile = (text: string, source: string): DockerConfigFile | InvalidDockerConfig => {
  const json = parseJsonObject(text, source);
  if (json instanceof InvalidDockerConfig) return json;
  const entries = authsEntries(json["auths"] ?? {}, source);
  if (entries instanceof InvalidDockerConfig) return entries;
  const credHelpers = json["credHelpers"] ?? {};
  if (!isJsonObject(credHelpers) || Object.values(credHelpers).some((name) => !isHelperName(name))) {
    return new InvalidDockerConfig({ source, reason: "`credHelpers` is not a map of registry to helper name" });
  }
  const credsStore = json["credsStore"] ?? "";
  if (credsStore !== "" && !isHelperName(credsStore)) {
    return new InvalidDockerConfig({ source, reason: "`credsStore` is not a helper name" });
  }
  return { entries, credHelpers: credHelpers as Record<string, string>, credsStore: credsStore === "" ? undefined : credsStore };
};

/** The name completes `docker-credential-<name>`, which is run from PATH: no path separators. */
const isHelperName = (name: unknown): name is string => typeof name === "string" && /^[A-Za-z0-9._-]+$/.test(name);

/**
 * The key docker files a registry under, and passes to credential helpers: the host, except
 * Docker Hub's historical `https://index.docker.io/v1/`.
 */
export const dockerConfigServerKey = (registry: string): string =>
  canonicalHost(registry) === "index.docker.io" ? "https://index.docker.io/v1/" : registry;

/**
 * The credential helper that answers for a registry, as the docker CLI picks it: `credHelpers`
 * under the registry's key, else `credsStore`. When one applies, `auths` is not consulted for
 * that registry (docker keeps only e-mail addresses there then).
 */
export const credentialHelperFor = (config: DockerConfigFile, registry: string): string | undefined =>
  config.credHelpers[dockerConfigServerKey(registry)] ?? config.credsStore;

const parseJsonObject = (text: string, source: string): Record<string, unknown> | InvalidDockerConfig => {
  let json: unknown;
  try {
    json = parseJsonText(text);
  } catch {
    return new InvalidDockerConfig({ source, reason: "not valid JSON" });
  }
  return isJsonObject(json) ? json : new InvalidDockerConfig({ source, reason: "not a JSON object" });
};

const authsEntries = (auths: unknown, source: string): ReadonlyArray<DockerConfigEntry> | InvalidDockerConfig => {
  if (!isJsonObject(auths)) return new InvalidDockerConfig({ source, reason: "`auths` is not an object" });
  const entries: DockerConfigEntry[] = [];
  for (const [key, raw] of Object.entries(auths)) {
    if (!isJsonObject(raw)) return new InvalidDockerConfig({ source, reason: `entry "${key}" is not an object` });
    const credential = entryCredential(raw);
    if (credential instanceof InvalidDockerConfig) {
      return new InvalidDockerConfig({ source, reason: `entry "${key}": ${credential.reason}` });
    }
    entries.push({ key, credential });
  }
  return entries;
};

const entryCredential = (raw: Record<string, unknown>): RegistryCredential | InvalidDockerConfig => {
  const field = (name: string): string => (typeof raw[name] === "string" ? (raw[name] as string) : "");
  if (field("registrytoken") !== "") return { _tag: "RegistryToken", token: Redacted.make(field("registrytoken")) };
  if (field("identitytoken") !== "") return { _tag: "IdentityToken", token: Redacted.make(field("identitytoken")) };
  let username = field("username");
  let password = field("password");
  const auth = field("auth");
  if (auth !== "") {
    const decoded = decodeBase64(auth);
    const colon = decoded?.indexOf(":") ?? -1;
    if (decoded === undefined || colon < 0) {
      return new InvalidDockerConfig({ source: "", reason: "`auth` is not base64 of user:password" });
    }
    username = decoded.slice(0, colon);
    password = decoded.slice(colon + 1);
  }
  if (username === "" && password === "") return anonymous;
  return { _tag: "Basic", username, password: Redacted.make(password) };
};

/**
 * The credential for `<registry>/<repository>`: the entry whose key matches the longest prefix of
 * that path wins. Keys may carry a scheme, a `/v1/` or `/v2/` path prefix (ignored), and `*` for
 * one DNS label of the host; `docker.io` names the same registry as `index.docker.io`.
 */
export const dockerConfigKeychain =
  (entries: ReadonlyArray<DockerConfigEntry>): Keychain =>
  (registry, repository) =>
    Effect.succeed(longestMatch(entries, registry, repository));

const longestMatch = (entries: ReadonlyArray<DockerConfigEntry>, registry: string, repository: string): RegistryCredential => {
  const targetHost = canonicalHost(registry);
  const targetPath = repository.split("/");
  let best: { length: number; credential: RegistryCredential } | undefined;
  for (const entry of entries) {
    const key = parseKey(entry.key);
    if (key === undefined || !hostMatches(key.host, targetHost)) continue;
    if (key.path.some((segment, i) => targetPath[i] !== segment)) continue;
    const length = key.host.length + key.path.join("/").length;
    if (best === undefined || length > best.length) best = { length, credential: entry.credential };
  }
  return best?.credential ?? anonymous;
};

const parseKey = (key: string): { host: string; path: string[] } | undefined => {
  const withoutScheme = key.replace(/^[a-z][a-z0-9+.-]*:\/\//i, "");
  const [host, ...rest] = withoutScheme.split("/");
  if (host === undefined || host === "") return undefined;
  const path = rest.filter((s) => s !== "");
  if (path[0] === "v1" || path[0] === "v2") path.shift();
  return { host: canonicalHost(host), path };
};

const canonicalHost = (host: string): string => {
  const lower = host.toLowerCase();
  return lower === "docker.io" || lower === "registry-1.docker.io" ? "index.docker.io" : lower;
};

const hostMatches = (pattern: string, host: string): boolean => {
  const [patternName, patternPort = ""] = splitPort(pattern);
  const [hostName, hostPort = ""] = splitPort(host);
  if (patternPort !== hostPort) return false;
  const p = patternName.split(".");
  const h = hostName.split(".");
  return p.length === h.length && p.every((label, i) => label === "*" || label === h[i]);
};

const splitPort = (host: string): [string, string?] => {
  const m = /^(.*?)(?::(\d+))?$/.exec(host);
  return m?.[2] === undefined ? [host] : [m[1] ?? host, m[2]];
};

const decodeBase64 = (value: string): string | undefined => {
  try {
    const binary = atob(value.trim());
    return new TextDecoder("utf-8", { fatal: true }).decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
  } catch {
    return undefined;
  }
};
