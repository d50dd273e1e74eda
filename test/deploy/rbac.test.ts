import { describe, expect, it } from "vitest";
import { findManifest, type Manifest, releaseManifests } from "./deploy-manifests.ts";

interface PolicyRule {
  readonly apiGroups?: ReadonlyArray<string>;
  readonly resources?: ReadonlyArray<string>;
  readonly resourceNames?: ReadonlyArray<string>;
  readonly verbs: ReadonlyArray<string>;
  readonly nonResourceURLs?: ReadonlyArray<string>;
}
interface Subject {
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
}
interface RoleRef {
  readonly kind: string;
  readonly name: string;
}

const manifests = releaseManifests();
const rulesOf = (m: Manifest): ReadonlyArray<PolicyRule> => (m["rules"] as ReadonlyArray<PolicyRule> | undefined) ?? [];
const roles = manifests.filter((m) => m.kind === "ClusterRole" || m.kind === "Role");
const bindings = manifests.filter((m) => m.kind === "ClusterRoleBinding" || m.kind === "RoleBinding");

/** The verbs a set of roles grants on one group/resource (resourceNames-restricted rules included). */
const verbsOn = (of: ReadonlyArray<Manifest>, group: string, resource: string): ReadonlySet<string> =>
  new Set(
    of.flatMap(rulesOf).flatMap((rule) =>
      (rule.apiGroups ?? []).includes(group) && (rule.resources ?? []).includes(resource) ? rule.verbs : [],
    ),
  );

/** The roles bound to the controller's ServiceAccount, cluster-wide (ClusterRoleBinding) or in a namespace. */
const controllerRoles = (bindingKind: "ClusterRoleBinding" | "RoleBinding"): ReadonlyArray<Manifest> =>
  bindings
    .filter((b) => b.kind === bindingKind)
    .filter((b) =>
      (b["subjects"] as ReadonlyArray<Subject>).some(
        (s) => s.kind === "ServiceAccount" && s.name === "tekton-chains-controller" && s.namespace === "tekton-chains",
      ),
    )
    .map((b) => {
      const ref = b["roleRef"] as RoleRef;
      return bindingKind === "RoleBinding" && ref.kind === "Role"
        ? findManifest(manifests, "Role", ref.name)
        : findManifest(manifests, "ClusterRole", ref.name);
    });

describe("RBAC in deploy/", () => {
  it("has no wildcard groups, resources, verbs or non-resource URLs", () => {
    for (const role of roles) {
      for (const rule of rulesOf(role)) {
        const values = [...(rule.apiGroups ?? []), ...(rule.resources ?? []), ...rule.verbs, ...(rule.nonResourceURLs ?? [])];
        expect({ role: role.metadata.name, wildcards: values.filter((v) => v.includes("*")) }).toEqual({
          role: role.metadata.name,
          wildcards: [],
        });
      }
    }
  });

  it("lets the controller watch and patch runs cluster-wide, and nothing more on them", () => {
    const cluster = controllerRoles("ClusterRoleBinding");
    expect(cluster.length).toBeGreaterThan(0);
    for (const resource of ["taskruns", "pipelineruns"]) {
      expect(verbsOn(cluster, "tekton.dev", resource)).toEqual(new Set(["get", "list", "watch", "patch"]));
    }
    const everything = [...cluster, ...controllerRoles("RoleBinding")];
    for (const resource of ["taskruns", "pipelineruns"]) {
      for (const sub of ["", "/status", "/finalizers"]) {
        const verbs = verbsOn(everything, "tekton.dev", `${resource}${sub}`);
        for (const forbidden of ["create", "delete", "deletecollection", "update", "escalate", "bind", "impersonate"]) {
          expect({ resource: `${resource}${sub}`, has: verbs.has(forbidden) }).toEqual({ resource: `${resource}${sub}`, has: false });
        }
        if (sub !== "") expect(verbs.size).toBe(0);
      }
    }
  });

  it("grants only get on Secrets and ServiceAccounts outside tekton-chains (registry auth)", () => {
    const cluster = controllerRoles("ClusterRoleBinding");
    expect(verbsOn(cluster, "", "secrets")).toEqual(new Set(["get"]));
    expect(verbsOn(cluster, "", "serviceaccounts")).toEqual(new Set(["get"]));
  });

  it("lets the controller record Events through both Event APIs", () => {
    const cluster = controllerRoles("ClusterRoleBinding");
    expect(verbsOn(cluster, "", "events")).toEqual(new Set(["create", "patch"]));
    expect(verbsOn(cluster, "events.k8s.io", "events")).toEqual(new Set(["create", "patch"]));
  });

  it("keeps ConfigMap, Secret and Lease access inside tekton-chains", () => {
    const local = controllerRoles("RoleBinding");
    expect(local.every((role) => role.kind === "Role" && role.metadata.namespace === "tekton-chains")).toBe(true);
    expect(verbsOn(local, "", "configmaps")).toEqual(new Set(["get", "list", "watch"]));
    expect(verbsOn(local, "", "secrets")).toEqual(new Set(["get", "list", "watch"]));
    // What the lease elector sends (test/kubernetes/leader-election.test.ts checks the same set).
    expect(verbsOn(local, "coordination.k8s.io", "leases")).toEqual(new Set(["get", "create", "update"]));
    expect(verbsOn(controllerRoles("ClusterRoleBinding"), "", "configmaps").size).toBe(0);
    expect(verbsOn(controllerRoles("ClusterRoleBinding"), "coordination.k8s.io", "leases").size).toBe(0);
  });

  it("lets every authenticated user get the chains-info ConfigMap, and only that", () => {
    const binding = findManifest(manifests, "RoleBinding", "tekton-chains-info");
    expect(binding.metadata.namespace).toBe("tekton-chains");
    expect(binding["subjects"]).toEqual([{ apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: "system:authenticated" }]);
    const role = findManifest(manifests, "Role", (binding["roleRef"] as RoleRef).name);
    expect(rulesOf(role)).toEqual([{ apiGroups: [""], resources: ["configmaps"], resourceNames: ["chains-info"], verbs: ["get"] }]);
    const info = findManifest(manifests, "ConfigMap", "chains-info");
    expect(typeof (info["data"] as Record<string, unknown>)["version"]).toBe("string");
  });

  it("binds only roles that exist, to the ServiceAccount the Deployment runs as", () => {
    for (const binding of bindings) {
      const ref = binding["roleRef"] as RoleRef;
      expect(() => findManifest(manifests, ref.kind, ref.name)).not.toThrow();
    }
    const deployment = findManifest(manifests, "Deployment", "tekton-chains-controller");
    const podSpec = (deployment["spec"] as { template: { spec: { serviceAccountName: string } } }).template.spec;
    expect(() => findManifest(manifests, "ServiceAccount", podSpec.serviceAccountName)).not.toThrow();
    expect(controllerRoles("ClusterRoleBinding").length + controllerRoles("RoleBinding").length).toBeGreaterThan(0);
  });
});
