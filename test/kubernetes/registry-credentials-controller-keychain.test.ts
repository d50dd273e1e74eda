// End to end: a signature pushed to a token-auth docker-registry with credentials that come only
// from the controller's own docker config; the run's ServiceAccount (on the loopback Kubernetes
// API emulator) has none. Goes through KubernetesCluster.registryCredentials, as the controller does.
import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import { Effect, Result } from "effect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KubernetesCluster } from "../../src/adapters/kubernetes/kubernetes-cluster.ts";
import { distributionSession } from "../../src/adapters/registry/client/distribution-client.ts";
import { writeSignatureLayer } from "../../src/adapters/registry/client/signature-tag-writer.ts";
import { controllerKeychain } from "../../src/adapters/registry/keychains/controller-keychain.ts";
import { anonymousKeychain, type Keychain } from "../../src/domain/oci/registry-credential.ts";
import { simpleSigningLayer } from "../../src/domain/oci/signature-layer.ts";
import { decodeRunObject } from "../../src/domain/run/run-object.ts";
import { startKubeApiEmulator, type KubeApiEmulator } from "../support/kube-api-emulator/index.ts";
import { registryUnavailable, startRegistry, type RunningRegistry } from "../support/oci-registry.ts";
import { startTokenServer, type RunningTokenServer } from "../support/oci-token-server.ts";
import { failureOf, pushTestImage, runEffect, skopeo, skopeoUnavailable, utf8 } from "../oci/registry-fixtures.ts";

const missing = registryUnavailable() ?? skopeoUnavailable();
if (missing !== undefined) console.warn(`skipping controller registry credential tests: ${missing}`);

const password = "ctl-Pa55word-s3cret";
const run = Result.getOrThrow(
  decodeRunObject({
    apiVersion: "tekton.dev/v1",
    kind: "TaskRun",
    metadata: { name: "build", namespace: "default", uid: "u1" },
    spec: { serviceAccountName: "builder" },
  }),
);

describe.skipIf(missing !== undefined)("the controller's own registry credentials, end to end", () => {
  let tokens: RunningTokenServer;
  let registry: RunningRegistry;
  let emu: KubeApiEmulator;
  let cluster: KubernetesCluster;
  let dir: string;
  const logs: string[] = [];

  beforeAll(async () => {
    tokens = await startTokenServer({ username: "robot", password });
    registry = await startRegistry({
      auth: { kind: "token", realm: tokens.realm, service: tokens.service, issuer: tokens.issuer, rootCertPem: tokens.rootCertPem },
    });
    emu = await startKubeApiEmulator();
    // The run's ServiceAccount exists and names no Secret.
    emu.store.seed({ apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "builder", namespace: "default" } });
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromString(emu.kubeconfig());
    cluster = await KubernetesCluster.connect({ kubeConfig });
    dir = await mkdtemp(join(tmpdir(), "chains-ts-controller-docker-config-"));
  });
  afterAll(async () => {
    cluster?.close();
    await emu?.stop();
    await registry?.stop();
    await tokens?.stop();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  /** Pushes an image and its `.sig` with the keychain the cluster builds for the run. */
  const pushWith = async (own: Keychain, repository: string) => {
    const keychain = await Effect.runPromise(cluster.registryCredentials(own).keychainFor(run));
    const session = distributionSession({ insecure: false, keychain });
    const repo = { registry: registry.host, repository };
    const image = await pushTestImage(session, repo, "v1");
    const payload = utf8(`{"critical":{"image":{"docker-manifest-digest":"${image.digest}"}}}`);
    const layer = simpleSigningLayer({ payload, signature: utf8("sig"), certificatePem: "", chainPem: "" });
    await runEffect(writeSignatureLayer(session, { repo, imageDigest: image.digest, kind: "sig", layer }));
    return image;
  };
  const ownKeychain = (env: NodeJS.ProcessEnv) => controllerKeychain({ env, log: (level, message) => logs.push(`${level} ${message}`) });
  const tagsOf = async (repository: string) =>
    JSON.parse(await skopeo("list-tags", "--tls-verify=false", "--creds", `robot:${password}`, `docker://${registry.host}/${repository}`)) as {
      Tags: string[];
    };

  it("is refused without them: the ServiceAccount has no credentials", async () => {
    const keychain = await Effect.runPromise(cluster.registryCredentials(anonymousKeychain).keychainFor(run));
    const error = await failureOf(distributionSession({ insecure: false, keychain }).getManifest({ registry: registry.host, repository: "ctl/app" }, "v1"));
    expect(error.kind).toBe("unauthorized");
  });

  it("pushes with an `auths` entry of $DOCKER_CONFIG/config.json", async () => {
    await writeFile(join(dir, "config.json"), JSON.stringify({ auths: { [registry.host]: { auth: Buffer.from(`robot:${password}`).toString("base64") } } }));
    const before = tokens.requests.length;
    const image = await pushWith(ownKeychain({ DOCKER_CONFIG: dir, PATH: process.env["PATH"] }), "ctl/app");
    expect((await tagsOf("ctl/app")).Tags.sort()).toEqual([`sha256-${image.digest.slice("sha256:".length)}.sig`, "v1"]);
    expect(tokens.requests.slice(before).every((r) => r.user === "robot")).toBe(true);
  });

  it("pushes with a credential helper named by credsStore", async () => {
    const bin = join(dir, "bin");
    await mkdir(bin);
    await writeFile(
      join(bin, "docker-credential-test-store"),
      `#!/bin/sh\n[ "$(cat)" = "${registry.host}" ] || { echo "credentials not found in native keychain"; exit 1; }\n` +
        `printf '{"ServerURL":"%s","Username":"robot","Secret":"%s"}' "${registry.host}" "${password}"\n`,
    );
    await chmod(join(bin, "docker-credential-test-store"), 0o755);
    await writeFile(join(dir, "config.json"), JSON.stringify({ auths: {}, credsStore: "test-store" }));
    const before = tokens.requests.length;
    const image = await pushWith(ownKeychain({ DOCKER_CONFIG: dir, PATH: `${bin}:${process.env["PATH"] ?? "/usr/bin:/bin"}` }), "ctl/helped");
    expect((await tagsOf("ctl/helped")).Tags).toContain(`sha256-${image.digest.slice("sha256:".length)}.sig`);
    expect(tokens.requests.slice(before).every((r) => r.user === "robot")).toBe(true);
    expect(logs).toEqual([]);
  });
});
