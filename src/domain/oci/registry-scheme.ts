/**
 * Plain HTTP or HTTPS for a registry host: HTTP when the backend is `insecure`
 * (`storage.oci.repository.insecure`), and for loopback (`localhost:*`, `*.localhost[:port]`,
 * `127.0.0.1[:port]`, `::1`); HTTPS otherwise. Unlike go-containerregistry (type-hinting.md §4),
 * RFC 1918 addresses get HTTPS too: registry hosts come from run results, and a private address is
 * no proof that the network in between is trusted.
 */
export const registryScheme = (registry: string, insecure: boolean): "http" | "https" =>
  insecure || isLoopback(registry) ? "http" : "https";

const isLoopback = (registry: string): boolean => {
  if (registry.startsWith("localhost:")) return true;
  const host = registryHost(registry);
  return host.endsWith(".localhost") || host === "127.0.0.1" || host === "::1";
};

/** The host part of `host[:port]`, `[v6]:port`, or a bare IPv6 address. */
export const registryHost = (registry: string): string => {
  if (registry.startsWith("[")) return registry.slice(1, registry.indexOf("]"));
  if (registry.split(":").length > 2) return registry;
  return registry.split(":")[0] ?? registry;
};
