import { registryHost } from "./registry-scheme.ts";

/** The registry host without its first label, when that is still a domain (has a dot), e.g. `docker.io`. */
const parentDomain = (host: string): string | undefined => {
  const rest = host.slice(host.indexOf(".") + 1);
  return host.includes(".") && rest.includes(".") && !/^[\d.]+$/.test(host) ? rest : undefined;
};

/**
 * Why registry credentials must not go to this token realm, or undefined when they may. Registry
 * hosts come from run results and a registry's 401 names the realm, so the credentials for a
 * registry go only to:
 * - the registry's own host, or its parent domain and hosts under it (Docker Hub's
 *   `index.docker.io` → `auth.docker.io`, `registry.gitlab.com` → `gitlab.com`); IP addresses and
 *   one-dot names (`gcr.io`) match only themselves. Ports are not compared.
 * - over HTTPS, or plain HTTP only when the registry itself is reached over plain HTTP
 *   (`storage.oci.repository.insecure`, or loopback).
 */
export const tokenRealmRefusal = (registry: string, registryScheme: "http" | "https", realm: URL): string | undefined => {
  const realmScheme = realm.protocol.slice(0, -1);
  if (realmScheme !== "https" && !(realmScheme === "http" && registryScheme === "http"))
    return `token realm ${realm.host} is ${realmScheme}, not https: credentials for ${registry} are not sent there (set storage.oci.repository.insecure for a plain-HTTP registry)`;
  const registryName = registryHost(registry).toLowerCase();
  const realmName = realm.hostname.replace(/^\[(.*)\]$/, "$1").toLowerCase();
  const domain = parentDomain(registryName);
  const related = realmName === registryName || (domain !== undefined && (realmName === domain || realmName.endsWith(`.${domain}`)));
  if (related) return undefined;
  return `token realm ${realm.host} is not on ${registry} or its domain: credentials for ${registry} are not sent there`;
};
