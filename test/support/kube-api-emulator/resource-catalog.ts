/** The resource types the emulator serves, described the way discovery and routing need them. */
export interface ResourceType {
  /** "" for the core group. */
  readonly group: string;
  /** Served versions, preferred first. */
  readonly versions: readonly string[];
  readonly plural: string;
  readonly singular: string;
  readonly kind: string;
  readonly namespaced: boolean;
  readonly shortNames: readonly string[];
  readonly categories: readonly string[];
  /** Writes to the main resource keep the stored status; `/status` writes change only status. */
  readonly statusSubresource: boolean;
  /** Custom resources have no Go types, so the real server refuses strategic merge patches for them. */
  readonly custom: boolean;
  /** PUT without `metadata.resourceVersion` is refused for custom resources. */
  readonly allowUnconditionalUpdate: boolean;
  /** Field selector labels accepted besides `metadata.name` and `metadata.namespace`. */
  readonly extraFieldLabels: readonly string[];
}

/** `group/plural`, the identity of a type independent of the version it is read through. */
export const resourceKey = (type: ResourceType): string => `${type.group}/${type.plural}`;

export const apiVersionOf = (group: string, version: string): string => (group === "" ? version : `${group}/${version}`);

export const preferredApiVersion = (type: ResourceType): string => apiVersionOf(type.group, type.versions[0] ?? "v1");

export interface CatalogOptions {
  /** Versions of tekton.dev to serve, preferred first. Default `["v1", "v1beta1"]`. */
  readonly tektonVersions?: readonly string[];
}

const ALL_VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"] as const;
export const verbsOf = (_type: ResourceType): readonly string[] => ALL_VERBS;

export const buildCatalog = (options: CatalogOptions = {}): readonly ResourceType[] => {
  const tektonVersions = options.tektonVersions ?? ["v1", "v1beta1"];
  const tekton = (plural: string, singular: string, kind: string, shortNames: readonly string[]): ResourceType => ({
    group: "tekton.dev",
    versions: tektonVersions,
    plural,
    singular,
    kind,
    namespaced: true,
    shortNames,
    categories: ["tekton", "tekton-pipelines"],
    statusSubresource: true,
    custom: true,
    allowUnconditionalUpdate: false,
    extraFieldLabels: [],
  });
  const builtin = (
    group: string,
    plural: string,
    singular: string,
    kind: string,
    namespaced: boolean,
    shortNames: readonly string[],
    extraFieldLabels: readonly string[] = [],
  ): ResourceType => ({
    group,
    versions: ["v1"],
    plural,
    singular,
    kind,
    namespaced,
    shortNames,
    categories: [],
    statusSubresource: false,
    custom: false,
    allowUnconditionalUpdate: true,
    extraFieldLabels,
  });
  const eventFields = [
    "involvedObject.kind",
    "involvedObject.namespace",
    "involvedObject.name",
    "involvedObject.uid",
    "involvedObject.apiVersion",
    "involvedObject.resourceVersion",
    "involvedObject.fieldPath",
    "reason",
    "reportingComponent",
    "source",
    "type",
  ];
  return [
    ...(tektonVersions.length > 0
      ? [tekton("taskruns", "taskrun", "TaskRun", ["tr", "trs"]), tekton("pipelineruns", "pipelinerun", "PipelineRun", ["pr", "prs"])]
      : []),
    builtin("", "configmaps", "configmap", "ConfigMap", true, ["cm"]),
    builtin("", "secrets", "secret", "Secret", true, [], ["type"]),
    builtin("", "serviceaccounts", "serviceaccount", "ServiceAccount", true, ["sa"]),
    builtin("", "events", "event", "Event", true, ["ev"], eventFields),
    builtin("", "namespaces", "namespace", "Namespace", false, ["ns"], ["status.phase"]),
    builtin("events.k8s.io", "events", "event", "Event", true, ["ev"], ["reason", "regarding.kind", "regarding.name", "regarding.namespace", "type"]),
    builtin("coordination.k8s.io", "leases", "lease", "Lease", true, []),
    // What an install manifest holds, so that `kubectl apply` of deploy/release.yaml can be tested.
    builtin("", "services", "service", "Service", true, ["svc"]),
    builtin("apps", "deployments", "deployment", "Deployment", true, ["deploy"]),
    builtin("rbac.authorization.k8s.io", "clusterroles", "clusterrole", "ClusterRole", false, []),
    builtin("rbac.authorization.k8s.io", "clusterrolebindings", "clusterrolebinding", "ClusterRoleBinding", false, []),
    builtin("rbac.authorization.k8s.io", "roles", "role", "Role", true, []),
    builtin("rbac.authorization.k8s.io", "rolebindings", "rolebinding", "RoleBinding", true, []),
  ];
};

/** Finds a type by `plural`, `plural.group`, `group/plural`, kind or short name (core wins ties). */
export const findType = (catalog: readonly ResourceType[], name: string): ResourceType | undefined => {
  const lower = name.toLowerCase();
  const slash = lower.indexOf("/");
  if (slash >= 0) {
    const group = lower.slice(0, slash);
    const plural = lower.slice(slash + 1);
    return catalog.find((t) => t.group === group && t.plural === plural);
  }
  const dot = lower.indexOf(".");
  if (dot >= 0) {
    const plural = lower.slice(0, dot);
    const group = lower.slice(dot + 1);
    const exact = catalog.find((t) => t.group === group && t.plural === plural);
    if (exact !== undefined) return exact;
  }
  const matches = catalog.filter(
    (t) => t.plural === lower || t.singular === lower || t.kind.toLowerCase() === lower || t.shortNames.includes(lower),
  );
  return matches.find((t) => t.group === "") ?? matches[0];
};

/** The type an object belongs to, from its apiVersion and kind. */
export const typeOfObject = (
  catalog: readonly ResourceType[],
  apiVersion: string,
  kind: string,
): { readonly type: ResourceType; readonly version: string } | undefined => {
  const slash = apiVersion.indexOf("/");
  const group = slash >= 0 ? apiVersion.slice(0, slash) : "";
  const version = slash >= 0 ? apiVersion.slice(slash + 1) : apiVersion;
  const type = catalog.find((t) => t.group === group && t.kind === kind && t.versions.includes(version));
  return type === undefined ? undefined : { type, version };
};
