import { Effect, Option } from "effect";
import { InvalidImageManifest, parseImageManifest } from "../../../domain/oci/image-manifest.ts";
import type { OciDigest } from "../../../domain/oci/oci-digest.ts";
import {
  appendSignatureLayer,
  signatureTag,
  TooManySignatureLayers,
  type SignatureMediaTypes,
  type SignatureTagKind,
} from "../../../domain/oci/signature-image.ts";
import type { SignatureLayer } from "../../../domain/oci/signature-layer.ts";
import type { OciRegistryError, OciRegistrySession, RepositoryRef } from "../../../ports/oci-registry.ts";

export type SignatureTagWritten =
  | { readonly _tag: "Written"; readonly tag: string; readonly manifestDigest: OciDigest; readonly layers: number }
  | { readonly _tag: "AlreadyPresent"; readonly tag: string };

/**
 * Appends one signature layer to `sha256-<hex>.sig|.att` in `repo` (storage.md §3.3), reading and
 * writing the same repository (reference defect #15). Every blob is uploaded before the manifest,
 * so a failure never leaves the tag pointing at missing content.
 */
export const writeSignatureLayer = (
  session: OciRegistrySession,
  input: {
    readonly repo: RepositoryRef;
    readonly imageDigest: OciDigest;
    readonly kind: SignatureTagKind;
    readonly layer: SignatureLayer;
    readonly mediaTypes?: SignatureMediaTypes;
  },
): Effect.Effect<SignatureTagWritten, OciRegistryError | InvalidImageManifest | TooManySignatureLayers> =>
  Effect.gen(function* () {
    const tag = signatureTag(input.imageDigest, input.kind);
    const current = yield* session.getManifest(input.repo, tag);
    const existing = Option.isNone(current) ? undefined : parseImageManifest(current.value.bytes);
    if (existing instanceof InvalidImageManifest) {
      return yield* Effect.fail(new InvalidImageManifest({ reason: `tag ${tag}: ${existing.reason}` }));
    }
    const next = appendSignatureLayer(existing, input.layer, input.mediaTypes);
    if (next instanceof TooManySignatureLayers) return yield* Effect.fail(next);
    if (next._tag === "AlreadyPresent") return { _tag: "AlreadyPresent", tag } as const;
    for (const blob of next.blobs) yield* session.uploadBlob(input.repo, blob);
    const manifestDigest = yield* session.putManifest(input.repo, tag, {
      mediaType: next.manifestMediaType,
      bytes: next.manifest,
    });
    return { _tag: "Written", tag, manifestDigest, layers: next.layers.length } as const;
  });
