import { Option } from "effect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeBundleReferrer } from "../../src/adapters/registry/client/bundle-referrer-writer.ts";
import { distributionSession } from "../../src/adapters/registry/client/distribution-client.ts";
import { InMemoryOciRegistry } from "../../src/adapters/memory/in-memory-oci-registry.ts";
import { writeSignatureLayer } from "../../src/adapters/registry/client/signature-tag-writer.ts";
import { anonymousKeychain } from "../../src/domain/oci/registry-credential.ts";
import { attestationLayer, simpleSigningLayer } from "../../src/domain/oci/signature-layer.ts";
import type { OciRegistrySession, RepositoryRef } from "../../src/ports/oci-registry.ts";
import { registryUnavailable, startRegistry, type RunningRegistry } from "../support/oci-registry.ts";
import { failureOf, pushTestImage, runEffect, utf8 } from "./registry-fixtures.ts";

const missing = registryUnavailable();
if (missing !== undefined) console.warn(`skipping in-memory registry contract tests: ${missing}`);

/** One storage scenario; returns everything observable about its outcome. */
const scenario = async (session: OciRegistrySession, repo: RepositoryRef) => {
  const image = await pushTestImage(session, repo, "v1");
  const sig = (s: string) => simpleSigningLayer({ payload: utf8(`{"p":"${image.digest}"}`), signature: utf8(s), certificatePem: "", chainPem: "" });
  const att = (e: string) => attestationLayer({ envelope: utf8(e), certificatePem: "c", chainPem: "" });
  const results: unknown[] = [];
  for (const [kind, layer] of [["sig", sig("a")], ["sig", sig("b")], ["sig", sig("a")], ["att", att("{}")], ["att", att("{ }")]] as const) {
    results.push(await runEffect(writeSignatureLayer(session, { repo, imageDigest: image.digest, kind, layer })));
  }
  for (const bundle of ["{}", "[]", "{}"]) {
    results.push(
      await runEffect(
        writeBundleReferrer(session, { repo, subjectDigest: image.digest, bundle: utf8(bundle), predicateType: "p", created: new Date(0) }),
      ),
    );
  }
  const fallback = await runEffect(session.getManifest(repo, `sha256-${image.digest.slice(7)}`));
  // A manifest whose blobs are missing is refused by both.
  const refused = await failureOf(
    session.putManifest(repo, "broken", {
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      bytes: utf8(`{"schemaVersion":2,"config":{"mediaType":"x","size":1,"digest":"sha256:${"0".repeat(64)}"},"layers":[]}`),
    }),
  );
  return {
    results,
    tags: [...(await runEffect(session.listTags(repo)))].sort(),
    fallback: Option.map(fallback, (m) => new TextDecoder().decode(m.bytes)),
    refused: refused._tag,
  };
};

describe.skipIf(missing !== undefined)("in-memory OCI registry fake", () => {
  let registry: RunningRegistry;
  beforeAll(async () => {
    registry = await startRegistry();
  });
  afterAll(async () => {
    await registry?.stop();
  });

  it("behaves like docker-registry for signature tags, dedup, referrer fallback and missing blobs", async () => {
    const real = await scenario(distributionSession({ insecure: false, keychain: anonymousKeychain }), {
      registry: registry.host,
      repository: "contract/app",
    });
    const fake = await scenario(new InMemoryOciRegistry().session(), { registry: registry.host, repository: "contract/app" });
    expect(fake).toEqual(real);
    expect(real.tags).toHaveLength(4);
  });

  it("lists referrers when the referrers API is on, so no fallback tag is written", async () => {
    const registryFake = new InMemoryOciRegistry({ referrersApi: true });
    const session = registryFake.session();
    const repo = { registry: "fake.example", repository: "app" };
    const image = await pushTestImage(session, repo, "v1");
    const written = await runEffect(
      writeBundleReferrer(session, { repo, subjectDigest: image.digest, bundle: utf8("{}"), predicateType: "p", created: new Date(0) }),
    );
    expect(written).toMatchObject({ _tag: "Written", fallbackTag: undefined });
    const listed = await runEffect(session.referrers(repo, image.digest, "application/vnd.dev.sigstore.bundle.v0.3+json"));
    expect(listed._tag === "Listed" && listed.manifests.map((m) => m.digest)).toEqual([written.manifestDigest]);
    expect(registryFake.tags(repo)).toEqual(["v1"]);
  });
});
