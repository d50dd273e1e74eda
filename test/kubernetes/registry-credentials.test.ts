import { KubeConfig } from "@kubernetes/client-node";
import { Effect, Redacted } from "effect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KubeApi } from "../../src/adapters/kubernetes/kube-api.ts";
import { makeKubernetesRegistryCredentials } from "../../src/adapters/kubernetes/kubernetes-registry-credentials.ts";
import { anonymousKeychain } from "../../src/domain/oci/registry-credential.ts";
import { decodeRunObject } from "../../src/domain/run/run-object.ts";
import { startKubeApiEmulator, type KubeApiEmulator } from "../support/kube-api-emulator/index.ts";

let emu: KubeApiEmulator;
beforeAll(async () => {
  emu = await startKubeApiEmulator();
});
afterAll(async () => emu.stop());

const b64 = (text: string) => Buffer.from(text).toString("base64");
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
      {
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: "regcred", namespace: "team" },
        type: "kubernetes.io/dockerconfigjson",
        data: { ".dockerconfigjson": b64(JSON.stringify({ auths: { "registry.example.com": { auth: b64("robot:s3cret") } } })) },
      },
    );
    const kc = new KubeConfig();
    kc.loadFromString(emu.kubeconfig());
    const credentials = makeKubernetesRegistryCredentials(new KubeApi(kc), anonymousKeychain);
    const keychain = await Effect.runPromise(credentials.keychainFor(runAs("builder")));
    const credential = keychain("registry.example.com", "team/app");
    expect(credential._tag).toBe("Basic");
    if (credential._tag === "Basic") {
      expect(credential.username).toBe("robot");
      expect(Redacted.value(credential.password)).toBe("s3cret");
    }
    expect(keychain("other.example.com", "x")._tag).toBe("Anonymous");
    // A run whose ServiceAccount does not exist gets the controller's keychain only.
    const none = await Effect.runPromise(credentials.keychainFor(runAs("nobody")));
    expect(none("registry.example.com", "team/app")._tag).toBe("Anonymous");
  });

  it("names a malformed Secret without repeating its content", async () => {
    emu.store.seed(
      { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "broken", namespace: "team" }, secrets: [{ name: "bad" }] },
      { apiVersion: "v1", kind: "Secret", metadata: { name: "bad", namespace: "team" }, type: "kubernetes.io/dockerconfigjson", data: { ".dockerconfigjson": b64("{not json hunter2") } },
    );
    const kc = new KubeConfig();
    kc.loadFromString(emu.kubeconfig());
    const error = await Effect.runPromise(Effect.flip(makeKubernetesRegistryCredentials(new KubeApi(kc), anonymousKeychain).keychainFor(runAs("broken"))));
    expect(error.message).toContain("Secret bad");
    expect(error.message).not.toContain("hunter2");
  });
});
