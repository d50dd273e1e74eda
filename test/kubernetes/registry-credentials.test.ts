import { KubeConfig } from "@kubernetes/client-node";
import { Effect, Redacted } from "effect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KubeApi } from "../../src/adapters/kubernetes/kube-api.ts";
import { makeKubernetesRegistryCredentials } from "../../src/adapters/kubernetes/kubernetes-registry-credentials.ts";
import { anonymousKeychain, type Keychain } from "../../src/domain/oci/registry-credential.ts";
import { decodeRunObject } from "../../src/domain/run/run-object.ts";
import { startKubeApiEmulator, type KubeApiEmulator } from "../support/kube-api-emulator/index.ts";

let emu: KubeApiEmulator;
beforeAll(async () => {
  emu = await startKubeApiEmulator();
});
afterAll(async () => emu.stop());

const b64 = (text: string) => Buffer.from(text).toString("base64");
const lookup = (keychain: Keychain, registry: string, repository: string) => Effect.runPromise(keychain(registry, repository));
/** A dockerconfigjson Secret in namespace team: registry → `user:password`. */
const dockerConfigSecret = (name: string, logins: Readonly<Record<string, string>>) => ({
  apiVersion: "v1",
  kind: "Secret",
  metadata: { name, namespace: "team" },
  type: "kubernetes.io/dockerconfigjson",
  data: {
    ".dockerconfigjson": b64(JSON.stringify({ auths: Object.fromEntries(Object.entries(logins).map(([r, login]) => [r, { auth: b64(login) }])) })),
  },
});
const credentialsOnEmulator = () => {
  const kc = new KubeConfig();
  kc.loadFromString(emu.kubeconfig());
  return makeKubernetesRegistryCredentials(new KubeApi(kc), anonymousKeychain);
};
const runAs = (serviceAccountName: string) => {
  const decoded = decodeRunObject({
    apiVersion: "tekton.dev/v1",
    kind: "TaskRun",
    metadata: { name: "build", namespace: "team", uid: "u1" },
    spec: { serviceAccountName },
  });
  if (decoded._tag !== "Success") throw new Error("fixture does not decode");
  return decoded.success;
};

describe("registry credentials from the run's ServiceAccount (Kubernetes)", () => {
  it("uses the dockerconfigjson Secrets the ServiceAccount lists, skipping missing ones", async () => {
    emu.store.seed(
      { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "builder", namespace: "team" }, secrets: [{ name: "gone" }, { name: "regcred" }] },
      dockerConfigSecret("regcred", { "registry.example.com": "robot:s3cret" }),
    );
    const credentials = credentialsOnEmulator();
    const keychain = await Effect.runPromise(credentials.keychainFor(runAs("builder")));
    const credential = await lookup(keychain, "registry.example.com", "team/app");
    expect(credential._tag).toBe("Basic");
    if (credential._tag === "Basic") {
      expect(credential.username).toBe("robot");
      expect(Redacted.value(credential.password)).toBe("s3cret");
    }
    expect((await lookup(keychain, "other.example.com", "x"))._tag).toBe("Anonymous");
    // A run whose ServiceAccount does not exist gets the controller's keychain only.
    const none = await Effect.runPromise(credentials.keychainFor(runAs("nobody")));
    expect((await lookup(none, "registry.example.com", "team/app"))._tag).toBe("Anonymous");
  });

  it("also reads imagePullSecrets, after secrets, and a Secret listed in both only once", async () => {
    emu.store.seed(
      {
        apiVersion: "v1",
        kind: "ServiceAccount",
        metadata: { name: "puller", namespace: "team" },
        secrets: [{ name: "both-lists" }],
        imagePullSecrets: [{ name: "pull-only" }, { name: "both-lists" }],
      },
      dockerConfigSecret("both-lists", { "shared.example.com": "from-secrets:1" }),
      // The same key as in both-lists: the Secret from `secrets` comes first and wins the tie.
      dockerConfigSecret("pull-only", { "pull.example.com": "from-pull-secrets:2", "shared.example.com": "loses:3" }),
    );
    const before = emu.requestLog.entries({ verb: "get", resource: "secrets", namespace: "team" }).length;
    const keychain = await Effect.runPromise(credentialsOnEmulator().keychainFor(runAs("puller")));
    const shown = async (registry: string) => {
      const c = await lookup(keychain, registry, "team/app");
      return c._tag === "Basic" ? `${c.username}:${Redacted.value(c.password)}` : c._tag;
    };
    expect(await shown("pull.example.com")).toBe("from-pull-secrets:2");
    expect(await shown("shared.example.com")).toBe("from-secrets:1");
    const gets = emu.requestLog.entries({ verb: "get", resource: "secrets", namespace: "team" }).slice(before);
    expect(gets.map((g) => g.name)).toEqual(["both-lists", "pull-only"]);
  });

  it("names a malformed Secret without repeating its content", async () => {
    emu.store.seed(
      { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "broken", namespace: "team" }, secrets: [{ name: "bad" }] },
      { apiVersion: "v1", kind: "Secret", metadata: { name: "bad", namespace: "team" }, type: "kubernetes.io/dockerconfigjson", data: { ".dockerconfigjson": b64("{not json hunter2") } },
    );
    const error = await Effect.runPromise(Effect.flip(credentialsOnEmulator().keychainFor(runAs("broken"))));
    expect(error.message).toContain("Secret bad");
    expect(error.message).not.toContain("hunter2");
  });
});
