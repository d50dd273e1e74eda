import { descriptorJson, type Descriptor } from "./descriptor.ts";
import { goJsonOfJson, goQuote } from "../serialization/go-json.ts";
import { parseDescriptor, InvalidImageManifest } from "./image-manifest.ts";
import { isJsonObject, parseJsonBytes } from "./json-object.ts";
import { ociEmptyMediaType, ociIndexMediaType, ociManifestMediaType, sigstoreBundleMediaType } from "./media-types.ts";
import { digestHex, sha256Digest, type OciDigest } from "./oci-digest.ts";
import type { Blob } from "./signature-image.ts";

/** `predicateType` annotation for image signatures stored as bundles. */
export const cosignSignPredicateType = "https://sigstore.dev/cosign/sign/v1";

/** The OCI empty config `{}`. */
export const emptyConfigBytes: Uint8Array = new TextEncoder().encode("{}");

/** Fallback tag for registries without the referrers API: `sha256-<hex>`, no suffix. */
export const referrersFallbackTag = (subjectDigest: OciDigest): string => `sha256-${digestHex(subjectDigest)}`;

export interface BundleReferrer {
  readonly manifest: Uint8Array;
  readonly manifestDigest: OciDigest;
  /** The index entry for this referrer (fallback tag, and what the referrers API lists). */
  readonly descriptor: Descriptor;
  /** Empty config first, then the bundle: the write order of storage.md §4. */
  readonly blobs: ReadonlyArray<Blob>;
}

/**
 * The OCI 1.1 referrer manifest for a sigstore bundle about `subject` (storage.md §4).
 * `created` is printed as RFC 3339 UTC with whole seconds.
 */
export const bundleReferrer = (input: {
  readonly bundle: Uint8Array;
  readonly predicateType: string;
  readonly created: Date;
  readonly subject: Pick<Descriptor, "mediaType" | "size" | "digest">;
}): BundleReferrer => {
  const configDigest = sha256Digest(emptyConfigBytes);
  const bundleDigest = sha256Digest(input.bundle);
  const annotations = {
    "dev.sigstore.bundle.content": "dsse-envelope",
    "dev.sigstore.bundle.predicateType": input.predicateType,
    "org.opencontainers.image.created": input.created.toISOString().replace(/\.\d{3}Z$/, "Z"),
  };
  const json =
    `{"schemaVersion":2,"mediaType":${goQuote(ociManifestMediaType)},` +
    `"config":${descriptorJson({
      mediaType: ociEmptyMediaType,
      size: emptyConfigBytes.length,
      digest: configDigest,
      artifactType: sigstoreBundleMediaType,
    })},` +
    `"layers":[${descriptorJson({ mediaType: sigstoreBundleMediaType, size: input.bundle.length, digest: bundleDigest })}],` +
    `"annotations":${goJsonOfJson(annotations)},` +
    `"subject":${descriptorJson({ mediaType: input.subject.mediaType, size: input.subject.size, digest: input.subject.digest })},` +
    `"artifactType":${goQuote(sigstoreBundleMediaType)}}`;
  const manifest = new TextEncoder().encode(json);
  const manifestDigest = sha256Digest(manifest);
  return {
    manifest,
    manifestDigest,
    descriptor: {
      mediaType: ociManifestMediaType,
      size: manifest.length,
      digest: manifestDigest,
      artifactType: sigstoreBundleMediaType,
    },
    blobs: [
      { digest: configDigest, bytes: emptyConfigBytes },
      { digest: bundleDigest, bytes: input.bundle },
    ],
  };
};

/** An OCI image index: the referrers API response, or the fallback tag's content. */
export interface ImageIndex {
  readonly manifests: ReadonlyArray<Descriptor>;
}

export const parseImageIndex = (bytes: Uint8Array): ImageIndex | InvalidImageManifest => {
  const parsed = parseJsonBytes(bytes);
  if ("error" in parsed) return new InvalidImageManifest({ reason: `index is not UTF-8 JSON: ${parsed.error}` });
  const json = parsed.value;
  if (!isJsonObject(json)) return new InvalidImageManifest({ reason: "index is not a JSON object" });
  const raw = json["manifests"] ?? [];
  if (!Array.isArray(raw)) return new InvalidImageManifest({ reason: "index manifests is not an array" });
  const manifests: Descriptor[] = [];
  for (const [i, entry] of raw.entries()) {
    const d = parseDescriptor(entry, `manifests[${i}]`);
    if (d instanceof InvalidImageManifest) return d;
    manifests.push(d);
  }
  return { manifests };
};

/**
 * The fallback tag's next index with `entry` added (entries `{mediaType, size, digest,
 * artifactType}`, sorted by digest), or `undefined` when the digest is already listed.
 */
export const addToReferrersFallbackIndex = (
  existing: ImageIndex | undefined,
  entry: Descriptor,
): Uint8Array | undefined => {
  const entries = existing?.manifests ?? [];
  if (entries.some((d) => d.digest === entry.digest)) return undefined;
  const sorted = [...entries, entry].sort((a, b) => (a.digest < b.digest ? -1 : a.digest > b.digest ? 1 : 0));
  const list = sorted
    .map((d) =>
      descriptorJson({
        mediaType: d.mediaType,
        size: d.size,
        digest: d.digest,
        ...(d.artifactType === undefined ? {} : { artifactType: d.artifactType }),
      }),
    )
    .join(",");
  return new TextEncoder().encode(`{"schemaVersion":2,"mediaType":${goQuote(ociIndexMediaType)},"manifests":[${list}]}`);
};
