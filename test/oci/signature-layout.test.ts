import { createHash } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  addToReferrersFallbackIndex,
  bundleReferrer,
  parseImageIndex,
  referrersFallbackTag,
} from "../../src/domain/oci/bundle-referrer.ts";
import { InvalidImageManifest, parseImageManifest, type ImageManifest } from "../../src/domain/oci/image-manifest.ts";
import type { OciDigest } from "../../src/domain/oci/oci-digest.ts";
import {
  appendSignatureLayer,
  maxSignatureLayers,
  signatureConfigJson,
  signatureTag,
  TooManySignatureLayers,
  type SignatureImageWrite,
} from "../../src/domain/oci/signature-image.ts";
import { attestationLayer, simpleSigningLayer, type SignatureLayer } from "../../src/domain/oci/signature-layer.ts";

// Independent of the code under test: node:crypto and the literal layouts of storage.md §3.2.
const sha256 = (bytes: Uint8Array | string): OciDigest =>
  `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const utf8 = (s: string) => new TextEncoder().encode(s);

const imageDigest: OciDigest = "sha256:20ab676d319c93ef5b4bef9290ed913ed8feaa0c92c43a7cddc28a3697918b92";
/** formats.md §2, for gcr.io/foo/bar@<imageDigest>. */
const payload = utf8(
  `{"critical":{"identity":{"docker-reference":"gcr.io/foo/bar"},"image":{"docker-manifest-digest":"${imageDigest}"},"type":"cosign container image signature"},"optional":null}`,
);
const specConfig = (diffIds: string[]) =>
  `{"architecture":"","created":"0001-01-01T00:00:00Z","history":[${diffIds
    .map(() => `{"created":"0001-01-01T00:00:00Z"}`)
    .join(",")}],"os":"","rootfs":{"type":"layers","diff_ids":[${diffIds.map((d) => `"${d}"`).join(",")}]},"config":{}}`;

const written = (result: ReturnType<typeof appendSignatureLayer>): SignatureImageWrite => {
  if (result instanceof TooManySignatureLayers || result._tag !== "Write") throw new Error(`expected a write, got ${result._tag}`);
  return result;
};
const reparse = (w: SignatureImageWrite): ImageManifest => {
  const m = parseImageManifest(w.manifest);
  if (m instanceof InvalidImageManifest) throw new Error(m.reason);
  return m;
};

describe("cosign signature image layout (storage.md §3.2)", () => {
  it("matches the spec's goldens for the formats.md §2 payload: 230-byte payload, 233-byte config", () => {
    expect(payload.length).toBe(230);
    expect(sha256(payload)).toBe("sha256:4db1161b23e5ba1900f3667d00de65d5ef5b780c76da1c9c3bf1d10cef118b5c");
    const config = signatureConfigJson([sha256(payload)]);
    expect(config).toBe(specConfig([sha256(payload)]));
    expect(utf8(config).length).toBe(233);
    expect(sha256(config)).toBe("sha256:3859fb0b134429331d8089fee18c15dd9b35320a66eb1c529e600ed847c68337");
  });

  it("writes the .sig manifest byte for byte: OCI types, uncompressed layer, sorted annotations", () => {
    const signature = Uint8Array.from([1, 2, 3, 250, 251]);
    const cert = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
    const w = written(
      appendSignatureLayer(undefined, simpleSigningLayer({ payload, signature, certificatePem: cert, chainPem: "" })),
    );
    const config = specConfig([sha256(payload)]);
    const expected =
      `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",` +
      `"config":{"mediaType":"application/vnd.oci.image.config.v1+json","size":${utf8(config).length},"digest":"${sha256(config)}"},` +
      `"layers":[{"mediaType":"application/vnd.dev.cosign.simplesigning.v1+json","size":230,"digest":"${sha256(payload)}",` +
      `"annotations":{"dev.cosignproject.cosign/signature":"${Buffer.from(signature).toString("base64")}",` +
      `"dev.sigstore.cosign/certificate":${JSON.stringify(cert)},"dev.sigstore.cosign/chain":""}}]}`;
    expect(text(w.manifest)).toBe(expected);
    expect(w.manifestDigest).toBe(sha256(expected));
    expect(w.blobs.map((b) => [b.digest, text(b.bytes)])).toEqual([
      [sha256(config), config],
      [sha256(payload), text(payload)],
    ]);
  });

  it("writes .att layers with an empty signature annotation and the Rekor bundle only when given", () => {
    const envelope = utf8(`{"payloadType":"application/vnd.in-toto+json","payload":"e30=","signatures":[{"keyid":"","sig":"AA=="}]}`);
    const plain = attestationLayer({ envelope, certificatePem: "", chainPem: "" });
    expect(plain.descriptor).toEqual({
      mediaType: "application/vnd.dsse.envelope.v1+json",
      size: envelope.length,
      digest: sha256(envelope),
      annotations: {
        "dev.cosignproject.cosign/signature": "",
        "dev.sigstore.cosign/certificate": "",
        "dev.sigstore.cosign/chain": "",
      },
    });
    const bundle = `{"SignedEntryTimestamp":"MEU=","Payload":{"body":"x","integratedTime":1,"logIndex":2,"logID":"ab"}}`;
    const withBundle = attestationLayer({ envelope, certificatePem: "", chainPem: "", rekorBundleJson: bundle });
    const w = written(appendSignatureLayer(undefined, withBundle));
    // Go sorts map keys: dev.cosignproject… < dev.sigstore.cosign/bundle < …/certificate < …/chain.
    expect(text(w.manifest)).toContain(
      `"annotations":{"dev.cosignproject.cosign/signature":"","dev.sigstore.cosign/bundle":${JSON.stringify(bundle)},"dev.sigstore.cosign/certificate":"","dev.sigstore.cosign/chain":""}`,
    );
  });

  it("escapes annotation values as Go JSON does (<, >, & and U+2028 as \\u escapes)", () => {
    const layer = attestationLayer({ envelope: utf8("{}"), certificatePem: "a<b>&c\u2028", chainPem: "" });
    const json = text(written(appendSignatureLayer(undefined, layer)).manifest);
    expect(json).toContain(`"dev.sigstore.cosign/certificate":"a\\u003cb\\u003e\\u0026c\\u2028"`);
    expect(JSON.parse(json).layers[0].annotations["dev.sigstore.cosign/certificate"]).toBe("a<b>&c\u2028");
  });

  it("uses Docker schema-2 manifest and config types with the COSIGN_DOCKER_MEDIA_TYPES switch", () => {
    const w = written(
      appendSignatureLayer(undefined, simpleSigningLayer({ payload, signature: utf8("s"), certificatePem: "", chainPem: "" }), "docker"),
    );
    const json = JSON.parse(text(w.manifest));
    expect(json.mediaType).toBe("application/vnd.docker.distribution.manifest.v2+json");
    expect(json.config.mediaType).toBe("application/vnd.docker.container.image.v1+json");
    expect(json.layers[0].mediaType).toBe("application/vnd.dev.cosign.simplesigning.v1+json");
  });

  it("names tags sha256-<hex>.sig / .att and the referrers fallback tag sha256-<hex>", () => {
    const hex = imageDigest.slice(7);
    expect(signatureTag(imageDigest, "sig")).toBe(`sha256-${hex}.sig`);
    expect(signatureTag(imageDigest, "att")).toBe(`sha256-${hex}.att`);
    expect(referrersFallbackTag(imageDigest)).toBe(`sha256-${hex}`);
  });
});

describe("appending to a signature tag (storage.md §3.3)", () => {
  const sig = (sigBytes: string, body = payload): SignatureLayer =>
    simpleSigningLayer({ payload: body, signature: utf8(sigBytes), certificatePem: "", chainPem: "" });

  // Invariant: appending distinct signatures one by one yields exactly those layers, in order, and a
  // config whose diff_ids are their digests with one history entry each.
  it("keeps every earlier layer and extends config history and diff_ids", () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.string({ minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 6 }), (sigs) => {
        let current: ImageManifest | undefined;
        let last: SignatureImageWrite | undefined;
        for (const s of sigs) {
          last = written(appendSignatureLayer(current, sig(s, utf8(`payload-${s.length % 2}`))));
          current = reparse(last);
        }
        const layers = current?.layers ?? [];
        expect(layers.map((l) => l.annotations?.["dev.cosignproject.cosign/signature"])).toEqual(
          sigs.map((s) => Buffer.from(s).toString("base64")),
        );
        const config = last?.blobs[0];
        expect(config && text(config.bytes)).toBe(specConfig(layers.map((l) => l.digest)));
        expect(current?.config.digest).toBe(config && sha256(config.bytes));
      }),
    );
  });

  // Invariant: a layer whose digest and signature annotation both equal an existing layer's is never written twice.
  it("treats a layer as present only when digest AND signature annotation match (defect #14)", () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.string({ minLength: 1 }), (a, b) => {
        const first = reparse(written(appendSignatureLayer(undefined, sig(a))));
        const again = appendSignatureLayer(first, sig(a));
        expect(again).toMatchObject({ _tag: "AlreadyPresent" });
        const other = appendSignatureLayer(first, sig(b));
        if (a === b) expect(other).toMatchObject({ _tag: "AlreadyPresent" });
        else {
          const layers = reparse(written(other)).layers;
          expect(layers.map((l) => l.digest)).toEqual([sha256(payload), sha256(payload)]);
        }
      }),
    );
  });

  it("keeps layers written by another tool verbatim (extra descriptor fields, top-level annotations)", () => {
    const foreign = utf8(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        config: { mediaType: "application/vnd.oci.image.config.v1+json", size: 2, digest: sha256("{}") },
        layers: [
          {
            mediaType: "application/vnd.dev.cosign.simplesigning.v1+json",
            size: 3,
            digest: sha256("abc"),
            urls: ["https://example.com/x"],
            annotations: { z: "1", a: "2" },
          },
        ],
        annotations: { "org.example": "kept" },
      }),
    );
    const existing = parseImageManifest(foreign);
    if (existing instanceof InvalidImageManifest) throw new Error(existing.reason);
    const json = text(written(appendSignatureLayer(existing, sig("s"))).manifest);
    expect(json).toContain(
      `{"mediaType":"application/vnd.dev.cosign.simplesigning.v1+json","size":3,"digest":"${sha256("abc")}","urls":["https://example.com/x"],"annotations":{"a":"2","z":"1"}}`,
    );
    expect(json.endsWith(`],"annotations":{"org.example":"kept"}}`)).toBe(true);
  });

  it(`refuses a layer beyond ${maxSignatureLayers}`, () => {
    const full: ImageManifest = {
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: { mediaType: "application/vnd.oci.image.config.v1+json", size: 2, digest: sha256("{}") },
      layers: Array.from({ length: maxSignatureLayers }, (_, i) => sig(String(i)).descriptor),
    };
    expect(appendSignatureLayer(full, sig("one more"))).toBeInstanceOf(TooManySignatureLayers);
  });

  it("rejects manifests that are not image manifests", () => {
    expect(parseImageManifest(utf8("[]"))).toBeInstanceOf(InvalidImageManifest);
    expect(parseImageManifest(utf8(`{"schemaVersion":2,"config":{"mediaType":"x","size":1,"digest":"md5:1"}}`))).toBeInstanceOf(
      InvalidImageManifest,
    );
    expect(parseImageManifest(Uint8Array.from([0xff, 0xfe]))).toBeInstanceOf(InvalidImageManifest);
  });
});

describe("sigstore-bundle referrers (storage.md §4)", () => {
  const bundle = utf8(`{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json"}`);
  const subject = { mediaType: "application/vnd.oci.image.manifest.v1+json", size: 528, digest: imageDigest };

  it("builds the referrer manifest in the spec's field order with the empty config", () => {
    const r = bundleReferrer({
      bundle,
      predicateType: "https://slsa.dev/provenance/v1",
      created: new Date("2026-08-01T12:34:56.789Z"),
      subject,
    });
    const empty = "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a";
    expect(sha256("{}")).toBe(empty);
    const bt = "application/vnd.dev.sigstore.bundle.v0.3+json";
    const expected =
      `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",` +
      `"config":{"mediaType":"application/vnd.oci.empty.v1+json","size":2,"digest":"${empty}","artifactType":"${bt}"},` +
      `"layers":[{"mediaType":"${bt}","size":${bundle.length},"digest":"${sha256(bundle)}"}],` +
      `"annotations":{"dev.sigstore.bundle.content":"dsse-envelope","dev.sigstore.bundle.predicateType":"https://slsa.dev/provenance/v1","org.opencontainers.image.created":"2026-08-01T12:34:56Z"},` +
      `"subject":{"mediaType":"${subject.mediaType}","size":528,"digest":"${imageDigest}"},"artifactType":"${bt}"}`;
    expect(text(r.manifest)).toBe(expected);
    expect(r.manifestDigest).toBe(sha256(expected));
    expect(r.blobs.map((b) => b.digest)).toEqual([empty, sha256(bundle)]);
    expect(r.descriptor).toEqual({
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      size: utf8(expected).length,
      digest: sha256(expected),
      artifactType: bt,
    });
  });

  // Invariant: the fallback index lists each added referrer once, sorted by digest, whatever the insertion order.
  it("keeps the fallback index sorted by digest and unchanged when the referrer is listed", () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.string(), { minLength: 1, maxLength: 8 }), (seeds) => {
        let index: ReturnType<typeof parseImageIndex> | undefined;
        for (const seed of seeds) {
          const entry = { mediaType: "application/vnd.oci.image.manifest.v1+json", size: seed.length, digest: sha256(seed), artifactType: "t" };
          const next = addToReferrersFallbackIndex(index instanceof InvalidImageManifest ? undefined : index, entry);
          expect(next).toBeDefined();
          index = parseImageIndex(next ?? new Uint8Array());
          expect(addToReferrersFallbackIndex(index instanceof InvalidImageManifest ? undefined : index, entry)).toBeUndefined();
        }
        if (index === undefined || index instanceof InvalidImageManifest) throw new Error("no index");
        expect(index.manifests.map((m) => m.digest)).toEqual(seeds.map((s) => sha256(s)).sort());
      }),
    );
  });
});
