/**
 * Plain HTTP or HTTPS for a registry host (type-hinting.md §4): HTTP when the backend is
 * `insecure`, and for RFC 1918 IPs, `localhost:*`, `*.localhost[:port]`, `127.0.0.1[:port]` and
 * `::1`; HTTPS otherwise.
 */
export const registryScheme = (registry: string, insecure: boolean): "http" | "https" =>
  insecure || isLocalOrPrivate(registry) ? "http" : "https";

const isLocalOrPrivate = (registry: string): boolean => {
  if (registry.startsWith("localhost:")) return true;
  const host = hostOf(registry);
  if (host.endsWith(".localhost")) return true;
  if (host === "127.0.0.1" || host === "::1") return true;
  return isRfc1918(host);
};

/** The host part of `host[:port]`, `[v6]:port`, or a bare IPv6 address. */
const hostOf = (registry: string): string => {
  if (registry.startsWith("[")) return registry.slice(1, registry.indexOf("]"));
  if (registry.split(":").length > 2) return registry;
  return registry.split(":")[0] ?? registry;
};

const isRfc1918 = (host: string): boolean => {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  if (m === null) return false;
  const [a, b] = [Number(m[1]), Number(m[2])];
  if ([a, b, Number(m[3]), Number(m[4])].some((o) => o > 255)) return false;
  return a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168);
};
