import { Data, Effect, Option } from "effect";
import {
  addToReferrersFallbackIndex,
  bundleReferrer,
  parseImageIndex,
  referrersFallbackTag,
  type ImageIndex,
} from "../../../domain/oci/bundle-referrer.ts";
import type { Descriptor } from "../../../domain/oci/descriptor.ts";
import { InvalidImageManifest, parseImageManifest } from "../../../domain/oci/image-manifest.ts";
import { ociIndexMediaType } from "../../../domain/oci/media-types.ts";
import { sha256Digest, type OciDigest } from "../../../domain/oci/oci-digest.ts";
import type { OciRegistryError, OciRegistrySession, RepositoryRef } from "../../../ports/oci-registry.ts";

/** The image a bundle is about is not in the registry; a referrer needs its descriptor. */
export class SubjectImageNotFound extends Data.TaggedError("SubjectImageNotFound")<{
  readonly registry: string;
  readonly repository: string;
  readonly digest: OciDigest;
}> {}

export type BundleReferrerWritten =
  | { readonly _tag: "Written"; readonly manifestDigest: OciDigest; readonly fallbackTag: string | undefined }
  | { readonly _tag: "AlreadyPresent"; readonly manifestDigest: OciDigest };

/**
 * Stores a sigstore bundle as an OCI 1.1 referrer of `subjectDigest` (storage.md §4): skip when a
 * referrer already holds the same bundle; else config, bundle, manifest by digest; then maintain
 * the `sha256-<hex>` fallback index when the registry has no referrers API.
 */
export const writeBundleReferrer = (
  session: OciRegistrySession,
  input: {
    readonly repo: RepositoryRef;
    readonly subjectDigest: OciDigest;
    readonly bundle: Uint8Array;
    readonly predicateType: string;
    readonly created: Date;
  },
): Effect.Effect<BundleReferrerWritten, OciRegistryError | InvalidImageManifest | SubjectImageNotFound> =>
  Effect.gen(function* () {
    const { repo, subjectDigest } = input;
    const subject = yield* session.headManifest(repo, subjectDigest);
    if (Option.isNone(subject)) {
      return yield* Effect.fail(new SubjectImageNotFound({ ...repo, digest: subjectDigest }));
    }
    const bundleDigest = sha256Digest(input.bundle);
    const existing = yield* listReferrers(session, repo, subjectDigest).pipe(Effect.orElseSucceed(() => []));
    for (const referrer of existing) {
      const found = yield* holdsLayer(session, repo, referrer.digest, bundleDigest).pipe(Effect.orElseSucceed(() => false));
      if (found) return { _tag: "AlreadyPresent", manifestDigest: referrer.digest } as const;
    }
    const referrer = bundleReferrer({ ...input, subject: subject.value });
    for (const blob of referrer.blobs) yield* session.uploadBlob(repo, blob);
    yield* session.putManifest(repo, referrer.manifestDigest, {
      mediaType: referrer.descriptor.mediaType,
      bytes: referrer.manifest,
    });
    const listed = yield* session.referrers(repo, subjectDigest);
    if (listed._tag === "Listed") return { _tag: "Written", manifestDigest: referrer.manifestDigest, fallbackTag: undefined } as const;
    const tag = referrersFallbackTag(subjectDigest);
    const index = yield* readFallbackIndex(session, repo, tag);
    const next = addToReferrersFallbackIndex(index, referrer.descriptor);
    if (next !== undefined) yield* session.putManifest(repo, tag, { mediaType: ociIndexMediaType, bytes: next });
    return { _tag: "Written", manifestDigest: referrer.manifestDigest, fallbackTag: tag } as const;
  });

/** Referrers from the API, or from the fallback tag when the registry has none. */
const listReferrers = (session: OciRegistrySession, repo: RepositoryRef, subject: OciDigest) =>
  Effect.gen(function* () {
    const listed = yield* session.referrers(repo, subject);
    if (listed._tag === "Listed") return listed.manifests;
    const index = yield* readFallbackIndex(session, repo, referrersFallbackTag(subject));
    return index?.manifests ?? ([] as ReadonlyArray<Descriptor>);
  });

const readFallbackIndex = (session: OciRegistrySession, repo: RepositoryRef, tag: string) =>
  Effect.gen(function* () {
    const found = yield* session.getManifest(repo, tag, [ociIndexMediaType]);
    if (Option.isNone(found)) return undefined;
    const index = parseImageIndex(found.value.bytes);
    if (index instanceof InvalidImageManifest) {
      return yield* Effect.fail(new InvalidImageManifest({ reason: `tag ${tag}: ${index.reason}` }));
    }
    return index as ImageIndex;
  });

const holdsLayer = (session: OciRegistrySession, repo: RepositoryRef, manifest: OciDigest, layer: OciDigest) =>
  session.getManifest(repo, manifest).pipe(
    Effect.map((found) => {
      if (Option.isNone(found)) return false;
      const parsed = parseImageManifest(found.value.bytes);
      return !(parsed instanceof InvalidImageManifest) && parsed.layers.some((l) => l.digest === layer);
    }),
  );
