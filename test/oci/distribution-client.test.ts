import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Option } from "effect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeBundleReferrer } from "../../src/adapters/registry/client/bundle-referrer-writer.ts";
import { distributionSession } from "../../src/adapters/registry/client/distribution-client.ts";
import { writeSignatureLayer } from "../../src/adapters/registry/client/signature-tag-writer.ts";
import { anonymousKeychain } from "../../src/domain/oci/registry-credential.ts";
import type { OciDigest } from "../../src/domain/oci/oci-digest.ts";
import { simpleSigningLayer } from "../../src/domain/oci/signature-layer.ts";
import type { OciRegistrySession, RepositoryRef } from "../../src/ports/oci-registry.ts";
import { registryUnavailable, startRegistry, type RunningRegistry } from "../support/oci-registry.ts";
import { startFaultProxy, type FaultProxy } from "./fault-proxy.ts";
import { failureOf, pushTestImage, runEffect, skopeo, skopeoUnavailable, utf8 } from "./registry-fixtures.ts";

const sha256 = (bytes: Uint8Array | string): OciDigest => `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const specConfig = (diffIds: string[]) =>
  `{"architecture":"","created":"0001-01-01T00:00:00Z","history":[${diffIds
    .map(() => `{"created":"0001-01-01T00:00:00Z"}`)
    .join(",")}],"os":"","rootfs":{"type":"layers","diff_ids":[${diffIds.map((d) => `"${d}"`).join(",")}]},"config":{}}`;
/** formats.md §2. */
const simpleSigningPayload = (repository: string, digest: string) =>
  utf8(
    `{"critical":{"identity":{"docker-reference":"${repository}"},"image":{"docker-manifest-digest":"${digest}"},"type":"cosign container image signature"},"optional":null}`,
  );

const missing = registryUnavailable() ?? skopeoUnavailable();
if (missing !== undefined) console.warn(`skipping OCI registry tests: ${missing}`);

describe.skipIf(missing !== undefined)("distribution client against docker-registry", () => {
  let registry: RunningRegistry;
  let session: OciRegistrySession;
  const repo = (repository: string): RepositoryRef => ({ registry: registry.host, repository });
  const docker = (repository: string, ref: string) =>
    `docker://${registry.host}/${repository}${ref.startsWith("sha256:") ? "@" : ":"}${ref}`;

  beforeAll(async () => {
    registry = await startRegistry();
    session = distributionSession({ insecure: false, keychain: anonymousKeychain });
  });
  afterAll(async () => {
    await registry?.stop();
  });

  it("pushes an image that skopeo reads back by digest and lists by tag", async () => {
    const image = await pushTestImage(session, repo("team/app"), "v1");
    const inspected = JSON.parse(await skopeo("inspect", "--tls-verify=false", docker("team/app", image.digest)));
    expect(inspected.Digest).toBe(image.digest);
    expect(inspected.Layers).toEqual([image.layer]);
    const tags = JSON.parse(await skopeo("list-tags", "--tls-verify=false", `docker://${registry.host}/team/app`));
    expect(tags.Tags).toContain("v1");

    const fetched = await runEffect(session.getManifest(repo("team/app"), "v1"));
    expect(Option.getOrUndefined(fetched)?.digest).toBe(image.digest);
    expect(Option.getOrUndefined(fetched)?.bytes).toEqual(image.manifest);
    const head = await runEffect(session.headManifest(repo("team/app"), image.digest));
    expect(Option.getOrUndefined(head)).toEqual({
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      digest: image.digest,
      size: image.manifest.length,
    });
    expect(Option.isNone(await runEffect(session.getManifest(repo("team/app"), "absent")))).toBe(true);
    expect(await runEffect(session.blobExists(repo("team/app"), image.layer))).toBe(true);
    expect(await runEffect(session.blobExists(repo("team/app"), sha256("never uploaded")))).toBe(false);
  });

  it("writes a cosign .sig image that skopeo reads back with the spec's types, annotations and bytes", async () => {
    const r = repo("team/signed");
    const image = await pushTestImage(session, r, "latest");
    const payload = simpleSigningPayload(`${registry.host}/team/signed`, image.digest);
    const signature = randomBytes(70);
    const cert = "-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n";
    const first = await runEffect(
      writeSignatureLayer(session, {
        repo: r,
        imageDigest: image.digest,
        kind: "sig",
        layer: simpleSigningLayer({ payload, signature, certificatePem: cert, chainPem: "" }),
      }),
    );
    const tag = `sha256-${image.digest.slice(7)}.sig`;
    expect(first).toMatchObject({ _tag: "Written", tag, layers: 1 });

    const raw = await skopeo("inspect", "--raw", "--tls-verify=false", docker("team/signed", tag));
    const config = specConfig([sha256(payload)]);
    expect(raw).toBe(
      `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",` +
        `"config":{"mediaType":"application/vnd.oci.image.config.v1+json","size":${config.length},"digest":"${sha256(config)}"},` +
        `"layers":[{"mediaType":"application/vnd.dev.cosign.simplesigning.v1+json","size":${payload.length},"digest":"${sha256(payload)}",` +
        `"annotations":{"dev.cosignproject.cosign/signature":"${signature.toString("base64")}",` +
        `"dev.sigstore.cosign/certificate":${JSON.stringify(cert)},"dev.sigstore.cosign/chain":""}}]}`,
    );
    expect(first._tag === "Written" && first.manifestDigest).toBe(sha256(raw));

    const dir = await mkdtemp(join(tmpdir(), "chains-ts-oci-copy-"));
    try {
      await skopeo("copy", "--src-tls-verify=false", docker("team/signed", tag), `oci:${dir}:sig`);
      const blob = (d: string) => readFile(join(dir, "blobs", "sha256", d.slice(7)));
      expect(new Uint8Array(await blob(sha256(payload)))).toEqual(payload);
      expect((await blob(sha256(config))).toString()).toBe(config);
      const index = JSON.parse((await readFile(join(dir, "index.json"))).toString());
      expect(index.manifests[0].digest).toBe(sha256(raw));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("appends a second distinct signature, keeps the first, and skips an identical one", async () => {
    const r = repo("team/append");
    const image = await pushTestImage(session, r, "latest");
    const payload = simpleSigningPayload(`${registry.host}/team/append`, image.digest);
    const layer = (sig: string) => simpleSigningLayer({ payload, signature: utf8(sig), certificatePem: "", chainPem: "" });
    const write = (sig: string) => runEffect(writeSignatureLayer(session, { repo: r, imageDigest: image.digest, kind: "sig", layer: layer(sig) }));
    const tag = `sha256-${image.digest.slice(7)}.sig`;
    const inspect = async () => skopeo("inspect", "--raw", "--tls-verify=false", docker("team/append", tag));

    await write("key-one");
    const before = JSON.parse(await inspect());
    // Same deterministic payload, another key's signature: both are kept (reference defect #14).
    expect(await write("key-two")).toMatchObject({ _tag: "Written", layers: 2 });
    const after = JSON.parse(await inspect());
    expect(after.layers[0]).toEqual(before.layers[0]);
    expect(after.layers.map((l: { annotations: Record<string, string> }) => l.annotations["dev.cosignproject.cosign/signature"])).toEqual([
      Buffer.from("key-one").toString("base64"),
      Buffer.from("key-two").toString("base64"),
    ]);
    expect(after.config.digest).toBe(sha256(specConfig([sha256(payload), sha256(payload)])));

    const rawBefore = await inspect();
    expect(await write("key-one")).toEqual({ _tag: "AlreadyPresent", tag });
    expect(await inspect()).toBe(rawBefore);
  });

  it("uploads a blob in chunks (POST, PATCH per chunk, PUT) that the registry serves back intact", async () => {
    const proxy: FaultProxy = await startFaultProxy(registry.host);
    try {
      const viaProxy = distributionSession({ insecure: false, keychain: anonymousKeychain });
      const r = { registry: proxy.host, repository: "team/chunked" };
      const bytes = new Uint8Array(randomBytes(100_000));
      const digest = sha256(bytes);
      await runEffect(viaProxy.uploadBlob(r, { digest, bytes }, { chunkSize: 16_384 }));
      const methods = proxy.seen.map((s) => s.method);
      expect(methods.filter((m) => m === "PATCH")).toHaveLength(Math.ceil(bytes.length / 16_384));
      expect(methods.filter((m) => m === "POST")).toHaveLength(1);
      expect(methods.at(-1)).toBe("PUT");
      const served = await fetch(`${registry.url}/v2/team/chunked/blobs/${digest}`);
      expect(new Uint8Array(await served.arrayBuffer())).toEqual(bytes);
      // A blob already present is not uploaded again.
      const seenBefore = proxy.seen.length;
      await runEffect(viaProxy.uploadBlob(r, { digest, bytes }, { chunkSize: 16_384 }));
      expect(proxy.seen.slice(seenBefore).map((s) => s.method)).toEqual(["HEAD"]);
    } finally {
      await proxy.stop();
    }
  });

  it("refuses to upload bytes that do not match their digest, and a manifest PUT by the wrong digest", async () => {
    const r = repo("team/mismatch");
    const error = await failureOf(session.uploadBlob(r, { digest: sha256("other"), bytes: utf8("bytes") }));
    expect(error.kind).toBe("digest-mismatch");
    const put = await failureOf(session.putManifest(r, sha256("x"), { mediaType: "application/vnd.oci.image.manifest.v1+json", bytes: utf8("{}") }));
    expect(put.kind).toBe("digest-mismatch");
  });

  it("lists all tags across pages, as skopeo does", async () => {
    const r = repo("team/many-tags");
    const image = await pushTestImage(session, r, "t0");
    for (const t of ["t1", "t2", "t3", "t4"]) {
      await runEffect(session.putManifest(r, t, { mediaType: "application/vnd.oci.image.manifest.v1+json", bytes: image.manifest }));
    }
    const paged = distributionSession({ insecure: false, keychain: anonymousKeychain, tagsPageSize: 2 });
    const tags = await runEffect(paged.listTags(r));
    const listed = JSON.parse(await skopeo("list-tags", "--tls-verify=false", `docker://${registry.host}/team/many-tags`));
    expect([...tags].sort()).toEqual([...listed.Tags].sort());
    expect(tags).toHaveLength(5);
    expect(await runEffect(session.listTags(repo("team/no-such-repo")))).toEqual([]);
  });

  it("stores bundle referrers by digest and keeps the sha256-<hex> fallback index (no referrers API in distribution 2.8)", async () => {
    const r = repo("team/referred");
    const image = await pushTestImage(session, r, "latest");
    expect(await runEffect(session.referrers(r, image.digest))).toEqual({ _tag: "Unsupported" });

    const write = (bundle: string) =>
      runEffect(
        writeBundleReferrer(session, {
          repo: r,
          subjectDigest: image.digest,
          bundle: utf8(bundle),
          predicateType: "https://slsa.dev/provenance/v1",
          created: new Date("2026-08-01T00:00:00Z"),
        }),
      );
    const first = await write(`{"bundle":1}`);
    const second = await write(`{"bundle":2}`);
    if (first._tag !== "Written" || second._tag !== "Written") throw new Error("expected writes");
    const fallbackTag = `sha256-${image.digest.slice(7)}`;
    expect(first.fallbackTag).toBe(fallbackTag);

    const referrer = JSON.parse(await skopeo("inspect", "--raw", "--tls-verify=false", docker("team/referred", first.manifestDigest)));
    expect(referrer.subject.digest).toBe(image.digest);
    expect(referrer.subject.size).toBe(image.manifest.length);
    expect(referrer.layers[0].digest).toBe(sha256(`{"bundle":1}`));

    const index = JSON.parse(await skopeo("inspect", "--raw", "--tls-verify=false", docker("team/referred", fallbackTag)));
    expect(index.mediaType).toBe("application/vnd.oci.image.index.v1+json");
    expect(index.manifests.map((m: { digest: string }) => m.digest)).toEqual([first.manifestDigest, second.manifestDigest].sort());
    expect(index.manifests[0].artifactType).toBe("application/vnd.dev.sigstore.bundle.v0.3+json");

    expect(await write(`{"bundle":1}`)).toEqual({ _tag: "AlreadyPresent", manifestDigest: first.manifestDigest });
    const missingImage = await failureOf(
      writeBundleReferrer(session, {
        repo: r,
        subjectDigest: sha256("no such image"),
        bundle: utf8("{}"),
        predicateType: "p",
        created: new Date(),
      }),
    );
    expect(missingImage._tag).toBe("SubjectImageNotFound");
  });
});
