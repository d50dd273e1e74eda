import { posix } from "node:path";
import { describe, expect, it } from "vitest";
import { SIGSTORE_AUDIENCE } from "../../src/adapters/signing/fulcio/identity-token.ts";
import { FILESYSTEM_TOKEN_PATH } from "../../src/adapters/signing/fulcio/keyless-context.ts";
import { findManifest, releaseManifests } from "./deploy-manifests.ts";

interface Probe {
  readonly httpGet: { readonly path: string; readonly port: number | string };
}
interface Container {
  readonly name: string;
  readonly command?: ReadonlyArray<string>;
  readonly args?: ReadonlyArray<string>;
  readonly ports: ReadonlyArray<{ readonly name: string; readonly containerPort: number }>;
  readonly env: ReadonlyArray<{ readonly name: string; readonly value?: string; readonly valueFrom?: unknown }>;
  readonly livenessProbe: Probe;
  readonly readinessProbe: Probe;
  readonly resources: { readonly requests: Record<string, string>; readonly limits: Record<string, string> };
  readonly securityContext: Record<string, unknown>;
  readonly volumeMounts: ReadonlyArray<{ readonly name: string; readonly mountPath: string; readonly readOnly?: boolean }>;
}
interface Volume {
  readonly name: string;
  readonly secret?: { readonly secretName: string };
  readonly projected?: { readonly sources: ReadonlyArray<{ readonly serviceAccountToken?: Record<string, unknown> }> };
  readonly emptyDir?: Record<string, unknown>;
}
interface PodSpec {
  readonly serviceAccountName: string;
  readonly securityContext: Record<string, unknown>;
  readonly affinity: { readonly podAntiAffinity: Record<string, ReadonlyArray<{ podAffinityTerm: { labelSelector: { matchLabels: Record<string, string> } } }>> };
  readonly containers: ReadonlyArray<Container>;
  readonly volumes: ReadonlyArray<Volume>;
}
interface DeploymentSpec {
  readonly replicas: number;
  readonly selector: { readonly matchLabels: Record<string, string> };
  readonly template: { readonly metadata: { readonly labels: Record<string, string> }; readonly spec: PodSpec };
}

const manifests = releaseManifests();
const deployment = findManifest(manifests, "Deployment", "tekton-chains-controller");
const spec = deployment["spec"] as DeploymentSpec;
const pod = spec.template.spec;
const [container, ...others] = pod.containers;
if (container === undefined) throw new Error("the Deployment has no container");

const volumeAt = (mountPath: string): Volume => {
  const mount = container.volumeMounts.find((m) => m.mountPath === mountPath);
  const volume = pod.volumes.find((v) => v.name === mount?.name);
  if (volume === undefined) throw new Error(`nothing is mounted at ${mountPath}`);
  return volume;
};

/** `port` of a probe as a number, resolving a named container port. */
const probePort = (probe: Probe): number =>
  typeof probe.httpGet.port === "number" ? probe.httpGet.port : (container.ports.find((p) => p.name === probe.httpGet.port)?.containerPort ?? -1);

const matches = (selector: Record<string, string>, labels: Record<string, string>) =>
  Object.entries(selector).every(([key, value]) => labels[key] === value);

describe("the tekton-chains-controller Deployment", () => {
  it("runs one replica of one container in tekton-chains, with a preferred anti-affinity over its own pods", () => {
    expect(deployment.metadata.namespace).toBe("tekton-chains");
    expect(spec.replicas).toBe(1);
    expect(others).toEqual([]);
    expect(matches(spec.selector.matchLabels, spec.template.metadata.labels)).toBe(true);
    const preferred = pod.affinity.podAntiAffinity["preferredDuringSchedulingIgnoredDuringExecution"] ?? [];
    expect(preferred.length).toBeGreaterThan(0);
    expect(preferred.every((term) => matches(term.podAffinityTerm.labelSelector.matchLabels, spec.template.metadata.labels))).toBe(true);
    expect(pod.affinity.podAntiAffinity["requiredDuringSchedulingIgnoredDuringExecution"]).toBeUndefined();
  });

  it("leaves command and args to the image's entrypoint (chains-ts controller)", () => {
    expect(container.command).toBeUndefined();
    expect(container.args ?? []).toEqual([]);
  });

  it("runs as uid/gid 65532, non-root, read-only, without privilege escalation, capabilities or an unconfined seccomp profile", () => {
    const effective = { ...pod.securityContext, ...container.securityContext };
    expect(effective["runAsNonRoot"]).toBe(true);
    expect(effective["runAsUser"]).toBe(65532);
    expect(effective["runAsGroup"]).toBe(65532);
    expect(effective["seccompProfile"]).toEqual({ type: "RuntimeDefault" });
    expect(container.securityContext["allowPrivilegeEscalation"]).toBe(false);
    expect(container.securityContext["readOnlyRootFilesystem"]).toBe(true);
    expect(container.securityContext["privileged"] ?? false).toBe(false);
    expect(container.securityContext["capabilities"]).toEqual({ drop: ["ALL"] });
  });

  it("probes liveness on /healthz and readiness on /readyz, port 8080", () => {
    expect(container.livenessProbe.httpGet.path).toBe("/healthz");
    expect(probePort(container.livenessProbe)).toBe(8080);
    expect(container.readinessProbe.httpGet.path).toBe("/readyz");
    expect(probePort(container.readinessProbe)).toBe(8080);
  });

  it("sets resource requests and limits for CPU and memory", () => {
    for (const bounds of [container.resources.requests, container.resources.limits]) {
      expect(Object.keys(bounds).sort()).toEqual(["cpu", "memory"]);
    }
  });

  it("exposes metrics on port 9090, which the tekton-chains-metrics Service targets", () => {
    expect(container.ports).toContainEqual(expect.objectContaining({ name: "metrics", containerPort: 9090 }));
    const service = findManifest(manifests, "Service", "tekton-chains-metrics");
    const serviceSpec = service["spec"] as { selector: Record<string, string>; ports: ReadonlyArray<Record<string, unknown>> };
    expect(service.metadata.namespace).toBe("tekton-chains");
    expect(matches(serviceSpec.selector, spec.template.metadata.labels)).toBe(true);
    expect(serviceSpec.ports).toEqual([expect.objectContaining({ name: "http-metrics", port: 9090, targetPort: "metrics" })]);
  });

  it("mounts signing-secrets read-only at /etc/signing-secrets, and the Secret exists empty", () => {
    expect(volumeAt("/etc/signing-secrets").secret?.secretName).toBe("signing-secrets");
    expect(container.volumeMounts.find((m) => m.mountPath === "/etc/signing-secrets")?.readOnly).toBe(true);
    const secret = findManifest(manifests, "Secret", "signing-secrets");
    expect(secret.metadata.namespace).toBe("tekton-chains");
    expect(secret["data"] ?? {}).toEqual({});
    expect(secret["stringData"] ?? {}).toEqual({});
  });

  it("projects a sigstore-audience ServiceAccount token to /var/run/sigstore/cosign/oidc-token, where the filesystem provider reads", () => {
    expect(FILESYSTEM_TOKEN_PATH).toBe("/var/run/sigstore/cosign/oidc-token");
    const sources = volumeAt(posix.dirname(FILESYSTEM_TOKEN_PATH)).projected?.sources ?? [];
    expect(sources).toEqual([
      { serviceAccountToken: expect.objectContaining({ audience: SIGSTORE_AUDIENCE, path: posix.basename(FILESYSTEM_TOKEN_PATH) }) },
    ]);
    const token = sources[0]?.serviceAccountToken ?? {};
    expect(token["expirationSeconds"]).toBeGreaterThanOrEqual(600);
  });

  it("gives the sigstore cache a writable emptyDir at /home/nonroot/.sigstore (the root filesystem is read-only)", () => {
    expect(volumeAt("/home/nonroot/.sigstore").emptyDir).toBeDefined();
    const tufRoot = container.env.find((e) => e.name === "TUF_ROOT")?.value ?? "";
    expect(tufRoot.startsWith("/home/nonroot/.sigstore/")).toBe(true);
  });

  it("takes SYSTEM_NAMESPACE from the pod's namespace, sets METRICS_DOMAIN and the Lease identity", () => {
    expect(container.env).toContainEqual({ name: "SYSTEM_NAMESPACE", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } });
    expect(container.env).toContainEqual({ name: "METRICS_DOMAIN", value: "tekton.dev/chains" });
    // The Lease identity, stable across container restarts of the pod.
    expect(container.env).toContainEqual({ name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } });
    expect(container.env).toContainEqual({ name: "POD_UID", valueFrom: { fieldRef: { fieldPath: "metadata.uid" } } });
  });

  it("uses only volume types the restricted Pod Security profile of its Namespace allows", () => {
    const namespace = findManifest(manifests, "Namespace", "tekton-chains");
    expect((namespace.metadata as { labels?: Record<string, string> }).labels?.["pod-security.kubernetes.io/enforce"]).toBe("restricted");
    const allowed = ["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret"];
    for (const volume of pod.volumes) {
      expect(Object.keys(volume).filter((key) => key !== "name").every((type) => allowed.includes(type))).toBe(true);
    }
  });
});
