import type { ResourceType } from "./resource-catalog.ts";

/** What a request path addresses. */
export type Route =
  | { readonly kind: "version" }
  | { readonly kind: "core-versions" }
  | { readonly kind: "groups" }
  | { readonly kind: "group"; readonly group: string }
  | { readonly kind: "resources"; readonly group: string; readonly version: string }
  | {
      readonly kind: "resource";
      readonly type: ResourceType;
      readonly group: string;
      readonly version: string;
      /** Undefined for cluster-scoped types and for cluster-wide list/watch. */
      readonly namespace: string | undefined;
      readonly name: string | undefined;
      readonly subresource: string | undefined;
      /** The deprecated `/watch/` path form. */
      readonly watchPath: boolean;
    }
  | { readonly kind: "openapi-v3-root" }
  | { readonly kind: "openapi-v3"; readonly key: string }
  | { readonly kind: "unknown" };

export const parseRoute = (pathname: string, catalog: readonly ResourceType[]): Route => {
  const segments = pathname.split("/").filter((s) => s.length > 0).map(decodeURIComponent);
  const [root, second, third] = segments;
  if (root === "version" && segments.length === 1) return { kind: "version" };
  if (root === "openapi" && second === "v3") {
    return segments.length === 2 ? { kind: "openapi-v3-root" } : { kind: "openapi-v3", key: segments.slice(2).join("/") };
  }
  if (root === "api") {
    if (segments.length === 1) return { kind: "core-versions" };
    if (segments.length === 2) return second === undefined ? { kind: "unknown" } : { kind: "resources", group: "", version: second };
    return resourceRoute("", second ?? "", segments.slice(2), catalog);
  }
  if (root === "apis") {
    if (segments.length === 1) return { kind: "groups" };
    if (segments.length === 2) return { kind: "group", group: second ?? "" };
    if (segments.length === 3) return { kind: "resources", group: second ?? "", version: third ?? "" };
    return resourceRoute(second ?? "", third ?? "", segments.slice(3), catalog);
  }
  return { kind: "unknown" };
};

const resourceRoute = (group: string, version: string, rest: readonly string[], catalog: readonly ResourceType[]): Route => {
  const watchPath = rest[0] === "watch";
  const parts = watchPath ? rest.slice(1) : rest;
  const typeFor = (plural: string | undefined): ResourceType | undefined =>
    catalog.find((t) => t.group === group && t.plural === plural && t.versions.includes(version));
  if (parts[0] === "namespaces" && parts.length >= 3) {
    const type = typeFor(parts[2]);
    if (type !== undefined && type.namespaced && parts.length <= 5) {
      return { kind: "resource", type, group, version, namespace: parts[1], name: parts[3], subresource: parts[4], watchPath };
    }
  }
  const type = typeFor(parts[0]);
  if (type === undefined || parts.length > 3) return { kind: "unknown" };
  if (type.namespaced && parts.length > 1) return { kind: "unknown" };
  return { kind: "resource", type, group, version, namespace: undefined, name: parts[1], subresource: parts[2], watchPath };
};
