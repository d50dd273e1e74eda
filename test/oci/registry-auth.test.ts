import { Effect } from "effect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { distributionSession } from "../../src/adapters/registry/client/distribution-client.ts";
import { writeSignatureLayer } from "../../src/adapters/registry/client/signature-tag-writer.ts";
import { dockerConfigKeychain, InvalidDockerConfig, parseDockerConfig } from "../../src/domain/oci/docker-config.ts";
import { anonymousKeychain, basicCredential, type Keychain } from "../../src/domain/oci/registry-credential.ts";
import { simpleSigningLayer } from "../../src/domain/oci/signature-layer.ts";
import { registryUnavailable, startRegistry, type RunningRegistry } from "../support/oci-registry.ts";
import { startTokenServer, type RunningTokenServer } from "../support/oci-token-server.ts";
import { failureOf, pushTestImage, runEffect, skopeo, skopeoUnavailable, utf8 } from "./registry-fixtures.ts";

const missing = registryUnavailable() ?? skopeoUnavailable();
if (missing !== undefined) console.warn(`skipping OCI registry auth tests: ${missing}`);

const password = "s3cr3t-Pa55word";

describe.skipIf(missing !== undefined)("Basic auth (htpasswd) against docker-registry", () => {
  let registry: RunningRegistry;
  beforeAll(async () => {
    registry = await startRegistry({ auth: { kind: "htpasswd", username: "ci", password } });
  });
  afterAll(async () => {
    await registry?.stop();
  });

  it("pushes with credentials from a .dockerconfigjson Secret; skopeo with the same creds reads it", async () => {
    const secret = JSON.stringify({ auths: { [registry.host]: { auth: Buffer.from(`ci:${password}`).toString("base64") } } });
    const entries = parseDockerConfig(secret, "dockerconfigjson", "ns/regcred");
    if (entries instanceof InvalidDockerConfig) throw new Error(entries.reason);
    const session = distributionSession({ insecure: false, keychain: dockerConfigKeychain(entries) });
    const image = await pushTestImage(session, { registry: registry.host, repository: "basic/app" }, "v1");
    const inspected = JSON.parse(
      await skopeo("inspect", "--tls-verify=false", "--creds", `ci:${password}`, `docker://${registry.host}/basic/app@${image.digest}`),
    );
    expect(inspected.Digest).toBe(image.digest);
  });

  it("fails as unauthorized with a wrong password or none, without echoing the password", async () => {
    for (const keychain of [(() => Effect.succeed(basicCredential("ci", `${password}-wrong`))) as Keychain, anonymousKeychain]) {
      const session = distributionSession({ insecure: false, keychain });
      const error = await failureOf(session.getManifest({ registry: registry.host, repository: "basic/app" }, "v1"));
      expect(error.kind).toBe("unauthorized");
      expect(error.status).toBe(401);
      expect(`${error.message} ${JSON.stringify(error)}`).not.toContain(password);
    }
  });
});

describe.skipIf(missing !== undefined)("Bearer token flow against docker-registry with auth.token", () => {
  let tokens: RunningTokenServer;
  let registry: RunningRegistry;
  beforeAll(async () => {
    tokens = await startTokenServer({ username: "robot", password });
    registry = await startRegistry({
      auth: { kind: "token", realm: tokens.realm, service: tokens.service, issuer: tokens.issuer, rootCertPem: tokens.rootCertPem },
    });
  });
  afterAll(async () => {
    await registry?.stop();
    await tokens?.stop();
  });

  it("answers the challenge with a scoped token, caches it per scope, and the registry accepts the pushes", async () => {
    const session = distributionSession({ insecure: false, keychain: () => Effect.succeed(basicCredential("robot", password)) });
    const repo = { registry: registry.host, repository: "tok/app" };
    const image = await pushTestImage(session, repo, "v1");
    const payload = utf8(`{"critical":{"image":{"docker-manifest-digest":"${image.digest}"}}}`);
    await runEffect(
      writeSignatureLayer(session, {
        repo,
        imageDigest: image.digest,
        kind: "sig",
        layer: simpleSigningLayer({ payload, signature: utf8("sig"), certificatePem: "", chainPem: "" }),
      }),
    );
    // Every request above (HEADs, uploads, GET and PUT of manifests) needed a token; one per scope was
    // fetched: pull for the first HEAD, then pull,push, which also serves every later read.
    expect(tokens.requests.map((r) => r.scopes)).toEqual([["repository:tok/app:pull"], ["repository:tok/app:pull,push"]]);
    expect(tokens.requests.every((r) => r.user === "robot" && r.service === tokens.service)).toBe(true);

    const reads = distributionSession({ insecure: false, keychain: () => Effect.succeed(basicCredential("robot", password)) });
    await runEffect(reads.listTags(repo));
    await runEffect(reads.getManifest(repo, "v1"));
    await runEffect(reads.getManifest({ ...repo, repository: "tok/other" }, "v1"));
    expect(tokens.requests.slice(2).map((r) => r.scopes)).toEqual([["repository:tok/app:pull"], ["repository:tok/other:pull"]]);

    const inspected = JSON.parse(
      await skopeo("inspect", "--tls-verify=false", "--creds", `robot:${password}`, `docker://${registry.host}/tok/app@${image.digest}`),
    );
    expect(inspected.Digest).toBe(image.digest);
  });

  it("reports a refused token request as unauthorized, without the password", async () => {
    const session = distributionSession({ insecure: false, keychain: () => Effect.succeed(basicCredential("robot", "not-the-password")) });
    const error = await failureOf(session.getManifest({ registry: registry.host, repository: "tok/app" }, "v1"));
    expect(error.kind).toBe("unauthorized");
    expect(`${error.message} ${JSON.stringify(error)}`).not.toContain("not-the-password");
  });

  it("gets no access anonymously: the registry refuses the anonymous token", async () => {
    const session = distributionSession({ insecure: false, keychain: anonymousKeychain });
    const error = await failureOf(session.getManifest({ registry: registry.host, repository: "tok/app" }, "v1"));
    expect(error.kind).toBe("unauthorized");
  });
});
