import { Effect, Layer, Option } from "effect";
import { parseImageManifest, InvalidImageManifest } from "../../domain/oci/image-manifest.ts";
import type { Descriptor } from "../../domain/oci/descriptor.ts";
import { isOciDigest, sha256Digest, type OciDigest } from "../../domain/oci/oci-digest.ts";
import {
  OciRegistry,
  OciRegistryError,
  type ManifestContent,
  type OciRegistrySession,
  type RepositoryRef,
} from "../../ports/oci-registry.ts";

/**
 * An in-memory registry with the distribution API's observable behaviour: content-addressed
 * blobs and manifests per repository, tags, manifests refused while a referenced blob is
 * missing, and (optionally) the OCI 1.1 referrers API. Shared by every session it hands out.
 */
export class InMemoryOciRegistry {
  readonly #repos = new Map<string, Repo>();
  readonly #referrersApi: boolean;

  constructor(options: { readonly referrersApi?: boolean } = {}) {
    this.#referrersApi = options.referrersApi ?? false;
  }

  /** Tags of a repository, for assertions. */
  tags(repo: RepositoryRef): ReadonlyArray<string> {
    return [...(this.#repos.get(key(repo))?.tags.keys() ?? [])].sort();
  }

  session(): OciRegistrySession {
    const repoOf = (repo: RepositoryRef) => {
      const k = key(repo);
      let r = this.#repos.get(k);
      if (r === undefined) {
        r = { blobs: new Map(), manifests: new Map(), tags: new Map() };
        this.#repos.set(k, r);
      }
      return r;
    };
    const resolve = (r: Repo, reference: string): ManifestContent | undefined =>
      r.manifests.get(isOciDigest(reference) ? reference : (r.tags.get(reference) ?? "sha256:"));
    const fail = (repo: RepositoryRef, operation: string, kind: OciRegistryError["kind"], reason: string) =>
      Effect.fail(new OciRegistryError({ kind, operation, ...repo, reason }));

    return {
      blobExists: (repo, digest) => Effect.sync(() => repoOf(repo).blobs.has(digest)),
      uploadBlob: (repo, blob) =>
        sha256Digest(blob.bytes) === blob.digest
          ? Effect.sync(() => void repoOf(repo).blobs.set(blob.digest, blob.bytes.slice()))
          : fail(repo, `upload blob ${blob.digest}`, "digest-mismatch", "the bytes hash differently"),
      getManifest: (repo, reference) => Effect.sync(() => Option.fromNullishOr(resolve(repoOf(repo), reference))),
      headManifest: (repo, reference) =>
        Effect.sync(() =>
          Option.map(Option.fromNullishOr(resolve(repoOf(repo), reference)), (m) => ({
            mediaType: m.mediaType,
            digest: m.digest,
            size: m.bytes.length,
          })),
        ),
      putManifest: (repo, reference, manifest) => {
        const r = repoOf(repo);
        const digest = sha256Digest(manifest.bytes);
        const operation = `PUT manifest ${reference}`;
        if (isOciDigest(reference) && reference !== digest) return fail(repo, operation, "digest-mismatch", `hashes to ${digest}`);
        const parsed = parseImageManifest(manifest.bytes);
        const referenced: ReadonlyArray<Descriptor> =
          parsed instanceof InvalidImageManifest ? [] : [parsed.config, ...parsed.layers];
        const absent = referenced.find((d) => !r.blobs.has(d.digest));
        if (absent !== undefined) return fail(repo, operation, "http", `MANIFEST_BLOB_UNKNOWN: ${absent.digest}`);
        return Effect.sync(() => {
          r.manifests.set(digest, { mediaType: manifest.mediaType, digest, bytes: manifest.bytes.slice() });
          if (!isOciDigest(reference)) r.tags.set(reference, digest);
          return digest;
        });
      },
      listTags: (repo) => Effect.sync(() => this.tags(repo)),
      referrers: (repo, digest, artifactType) =>
        Effect.sync(() => {
          if (!this.#referrersApi) return { _tag: "Unsupported" } as const;
          const manifests: Descriptor[] = [];
          for (const m of repoOf(repo).manifests.values()) {
            const parsed = parseImageManifest(m.bytes);
            if (parsed instanceof InvalidImageManifest || parsed.subject?.digest !== digest) continue;
            const type = parsed.artifactType ?? parsed.config.mediaType;
            if (artifactType !== undefined && type !== artifactType) continue;
            manifests.push({
              mediaType: m.mediaType,
              size: m.bytes.length,
              digest: m.digest,
              artifactType: type,
              ...(parsed.annotations === undefined ? {} : { annotations: parsed.annotations }),
            });
          }
          return { _tag: "Listed", manifests } as const;
        }),
    };
  }

  layer(): Layer.Layer<OciRegistry> {
    return Layer.succeed(OciRegistry, { session: () => this.session() });
  }
}

interface Repo {
  readonly blobs: Map<OciDigest, Uint8Array>;
  readonly manifests: Map<OciDigest, ManifestContent>;
  readonly tags: Map<string, OciDigest>;
}

const key = (repo: RepositoryRef) => `${repo.registry}/${repo.repository}`;
