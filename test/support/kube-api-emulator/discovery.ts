import { apiVersionOf, verbsOf, type ResourceType } from "./resource-catalog.ts";

/** The legacy (non-aggregated) discovery documents; kubectl and client-node fall back to these. */
export const versionInfo = {
  major: "1",
  minor: "32",
  gitVersion: "v1.32.0-kube-api-emulator",
  gitCommit: "0000000000000000000000000000000000000000",
  gitTreeState: "clean",
  buildDate: "2025-01-01T00:00:00Z",
  goVersion: "go1.23.0",
  compiler: "gc",
  platform: "linux/amd64",
};

export const coreVersions = (serverAddress: string): object => ({
  kind: "APIVersions",
  versions: ["v1"],
  serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress }],
});

const groupsOf = (catalog: readonly ResourceType[]): Map<string, string[]> => {
  const groups = new Map<string, string[]>();
  for (const type of catalog) {
    if (type.group === "") continue;
    const versions = groups.get(type.group) ?? [];
    for (const version of type.versions) if (!versions.includes(version)) versions.push(version);
    groups.set(type.group, versions);
  }
  return groups;
};

const groupDocument = (group: string, versions: readonly string[]): object => ({
  name: group,
  versions: versions.map((version) => ({ groupVersion: apiVersionOf(group, version), version })),
  preferredVersion: { groupVersion: apiVersionOf(group, versions[0] ?? "v1"), version: versions[0] ?? "v1" },
});

export const groupList = (catalog: readonly ResourceType[]): object => ({
  kind: "APIGroupList",
  apiVersion: "v1",
  groups: [...groupsOf(catalog)].map(([group, versions]) => groupDocument(group, versions)),
});

export const group = (catalog: readonly ResourceType[], name: string): object | undefined => {
  const versions = groupsOf(catalog).get(name);
  return versions === undefined ? undefined : { kind: "APIGroup", apiVersion: "v1", ...groupDocument(name, versions) };
};

export const resourceList = (catalog: readonly ResourceType[], groupName: string, version: string): object | undefined => {
  const types = catalog.filter((t) => t.group === groupName && t.versions.includes(version));
  if (types.length === 0) return undefined;
  const resources = types.flatMap((type) => {
    const main = {
      name: type.plural,
      singularName: type.singular,
      namespaced: type.namespaced,
      kind: type.kind,
      verbs: verbsOf(type),
      ...(type.shortNames.length > 0 ? { shortNames: type.shortNames } : {}),
      ...(type.categories.length > 0 ? { categories: type.categories } : {}),
      storageVersionHash: Buffer.from(`${type.group}/${type.plural}`).toString("base64").slice(0, 11),
    };
    const status = { name: `${type.plural}/status`, singularName: "", namespaced: type.namespaced, kind: type.kind, verbs: ["get", "patch", "update"] };
    return type.statusSubresource ? [main, status] : [main];
  });
  return { kind: "APIResourceList", apiVersion: "v1", groupVersion: apiVersionOf(groupName, version), resources };
};
