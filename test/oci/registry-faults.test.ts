import { Option } from "effect";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { distributionSession } from "../../src/adapters/registry/client/distribution-client.ts";
import type { RetryPolicy } from "../../src/adapters/registry/client/retry-policy.ts";
import { writeSignatureLayer } from "../../src/adapters/registry/client/signature-tag-writer.ts";
import { anonymousKeychain } from "../../src/domain/oci/registry-credential.ts";
import { simpleSigningLayer } from "../../src/domain/oci/signature-layer.ts";
import type { OciRegistrySession, RepositoryRef } from "../../src/ports/oci-registry.ts";
import { registryUnavailable, startRegistry, type RunningRegistry } from "../support/oci-registry.ts";
import { startFaultProxy, type FaultProxy } from "./fault-proxy.ts";
import { failureOf, pushTestImage, runEffect, skopeo, skopeoUnavailable, utf8 } from "./registry-fixtures.ts";

const missing = registryUnavailable() ?? skopeoUnavailable();
if (missing !== undefined) console.warn(`skipping OCI registry fault tests: ${missing}`);

const policy: RetryPolicy = { attempts: 4, initialDelayMs: 5, maxDelayMs: 50, requestTimeoutMs: 400 };

describe.skipIf(missing !== undefined)("retries and partial failures (fault proxy in front of docker-registry)", () => {
  let registry: RunningRegistry;
  let proxy: FaultProxy;
  let direct: OciRegistrySession;
  let viaProxy: OciRegistrySession;
  const proxied = (repository: string): RepositoryRef => ({ registry: proxy.host, repository });

  beforeAll(async () => {
    registry = await startRegistry();
    proxy = await startFaultProxy(registry.host);
    direct = distributionSession({ insecure: false, keychain: anonymousKeychain });
    viaProxy = distributionSession({ insecure: false, keychain: anonymousKeychain, retry: policy });
  });
  afterEach(() => {
    proxy.decide = () => "pass";
  });
  afterAll(async () => {
    await proxy?.stop();
    await registry?.stop();
  });

  /** Fails the first `n` requests that match, then passes them. */
  const failFirst = (n: number, match: (method: string, path: string) => boolean, fault: "hang" | { status: number; headers?: Record<string, string> }) => {
    let left = n;
    proxy.decide = (method, path) => (match(method, path) && left-- > 0 ? fault : "pass");
  };
  const signatureWrite = (repository: string, imageDigest: `sha256:${string}`, sig = "sig") =>
    writeSignatureLayer(viaProxy, {
      repo: proxied(repository),
      imageDigest,
      kind: "sig",
      layer: simpleSigningLayer({ payload: utf8(`{"image":"${imageDigest}"}`), signature: utf8(sig), certificatePem: "", chainPem: "" }),
    });

  it("retries 500s on the manifest PUT and 429 (Retry-After) on reads, then succeeds", async () => {
    const image = await pushTestImage(direct, { registry: registry.host, repository: "f/retry" }, "v1");
    const start = proxy.seen.length;
    failFirst(2, (m, p) => m === "PUT" && p.includes("/manifests/"), { status: 500 });
    const result = await runEffect(signatureWrite("f/retry", image.digest));
    expect(result._tag).toBe("Written");
    const puts = proxy.seen.slice(start).filter((s) => s.method === "PUT" && s.path.includes("/manifests/"));
    expect(puts.map((s) => s.fault)).toEqual([{ status: 500 }, { status: 500 }, "pass"]);

    failFirst(1, (m) => m === "GET", { status: 429, headers: { "Retry-After": "0" } });
    const tag = `sha256-${image.digest.slice(7)}.sig`;
    expect(Option.isSome(await runEffect(viaProxy.getManifest(proxied("f/retry"), tag)))).toBe(true);
  });

  it("retries a request that times out", async () => {
    const image = await pushTestImage(direct, { registry: registry.host, repository: "f/timeout" }, "v1");
    const start = proxy.seen.length;
    failFirst(1, (m) => m === "HEAD", "hang");
    expect(await runEffect(viaProxy.headManifest(proxied("f/timeout"), image.digest)).then(Option.isSome)).toBe(true);
    expect(proxy.seen.slice(start).map((s) => s.fault)).toEqual(["hang", "pass"]);
  });

  it("restarts a blob upload whose final PUT failed, and the pushed image verifies with skopeo", async () => {
    const image = await pushTestImage(direct, { registry: registry.host, repository: "f/upload" }, "v1");
    const start = proxy.seen.length;
    failFirst(1, (m, p) => m === "PUT" && p.includes("/blobs/uploads/"), { status: 503 });
    await runEffect(signatureWrite("f/upload", image.digest));
    const seen = proxy.seen.slice(start);
    // Config and layer uploads; the failed one began again with a new upload session.
    expect(seen.filter((s) => s.method === "POST")).toHaveLength(3);
    const tag = `sha256-${image.digest.slice(7)}.sig`;
    const raw = await skopeo("inspect", "--raw", "--tls-verify=false", `docker://${registry.host}/f/upload:${tag}`);
    expect(JSON.parse(raw).layers).toHaveLength(1);
  });

  it("gives up after the bounded attempts and never leaves a tag pointing at missing blobs", async () => {
    const image = await pushTestImage(direct, { registry: registry.host, repository: "f/broken" }, "v1");
    const start = proxy.seen.length;
    proxy.decide = (method, path) => (method === "PATCH" || (method === "PUT" && path.includes("/blobs/")) ? { status: 500 } : "pass");
    const error = await failureOf(signatureWrite("f/broken", image.digest));
    expect(error).toMatchObject({ _tag: "OciRegistryError", kind: "http", status: 500 });
    const seen = proxy.seen.slice(start);
    expect(seen.filter((s) => s.method === "POST")).toHaveLength(policy.attempts);
    expect(seen.some((s) => s.path.includes("/manifests/") && s.method === "PUT")).toBe(false);
    const tag = `sha256-${image.digest.slice(7)}.sig`;
    expect(Option.isNone(await runEffect(direct.getManifest({ registry: registry.host, repository: "f/broken" }, tag)))).toBe(true);

    proxy.decide = () => "pass";
    expect((await runEffect(signatureWrite("f/broken", image.digest)))._tag).toBe("Written");
  });

  it("does not retry client errors, and bounds retries of persistent 503s", async () => {
    let start = proxy.seen.length;
    proxy.decide = () => ({ status: 403 });
    const denied = await failureOf(viaProxy.getManifest(proxied("f/x"), "v1"));
    expect(denied.kind).toBe("denied");
    expect(proxy.seen.length - start).toBe(1);

    start = proxy.seen.length;
    proxy.decide = () => ({ status: 503 });
    const unavailable = await failureOf(viaProxy.listTags(proxied("f/x")));
    expect(unavailable).toMatchObject({ kind: "http", status: 503 });
    expect(unavailable.reason).toContain("INJECTED");
    expect(proxy.seen.length - start).toBe(policy.attempts);
  });
});
