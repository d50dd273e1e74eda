import { Context, Data, type Effect, type Option } from "effect";
import type { Descriptor } from "../domain/oci/descriptor.ts";
import type { OciDigest } from "../domain/oci/oci-digest.ts";
import type { Keychain } from "../domain/oci/registry-credential.ts";

/** A repository in a registry: `registry` is `host[:port]`, `repository` the path (`foo/bar`). */
export interface RepositoryRef {
  readonly registry: string;
  readonly repository: string;
}

/** A manifest (or index) as the registry stored it: the exact bytes and their digest. */
export interface ManifestContent {
  readonly mediaType: string;
  readonly digest: OciDigest;
  readonly bytes: Uint8Array;
}

/** What a manifest HEAD tells: enough for a referrer's `subject` descriptor. */
export interface ManifestHead {
  readonly mediaType: string;
  readonly digest: OciDigest;
  readonly size: number;
}

/** Referrers of a manifest, or the registry has no referrers API (use the fallback tag). */
export type Referrers =
  | { readonly _tag: "Listed"; readonly manifests: ReadonlyArray<Descriptor> }
  | { readonly _tag: "Unsupported" };

/** Why a registry call failed; `unauthorized`/`denied` mean credentials, the others the registry or network. */
export type OciRegistryErrorKind =
  | "unauthorized"
  | "denied"
  | "not-found"
  | "http"
  | "unreachable"
  | "timeout"
  | "digest-mismatch"
  | "invalid-response";

/**
 * A registry call that failed after the bounded retries. Carries no credentials or tokens:
 * `reason` holds the registry's error code/message or the network error.
 */
export class OciRegistryError extends Data.TaggedError("OciRegistryError")<{
  readonly kind: OciRegistryErrorKind;
  readonly operation: string;
  readonly registry: string;
  readonly repository: string;
  readonly status?: number;
  readonly reason: string;
}> {
  override get message(): string {
    const status = this.status === undefined ? "" : ` (HTTP ${this.status})`;
    return `${this.operation} ${this.registry}/${this.repository}: ${this.kind}${status}: ${this.reason}`;
  }
}

/** A blob to store: its bytes must hash to `digest` (checked before anything is sent). */
export interface BlobContent {
  readonly digest: OciDigest;
  readonly bytes: Uint8Array;
}

/**
 * Registry calls made with one keychain (one run's ServiceAccount) and one transport setting.
 * Tokens are cached per registry and scope for the session's lifetime.
 */
export interface OciRegistrySession {
  readonly blobExists: (repo: RepositoryRef, digest: OciDigest) => Effect.Effect<boolean, OciRegistryError>;
  /** Uploads unless the blob already exists; chunked (POST/PATCH…/PUT) when `chunkSize` is given. */
  readonly uploadBlob: (
    repo: RepositoryRef,
    blob: BlobContent,
    options?: { readonly chunkSize?: number },
  ) => Effect.Effect<void, OciRegistryError>;
  /** `reference` is a tag or a digest; `None` when the registry answers 404. */
  readonly getManifest: (
    repo: RepositoryRef,
    reference: string,
    accept?: ReadonlyArray<string>,
  ) => Effect.Effect<Option.Option<ManifestContent>, OciRegistryError>;
  readonly headManifest: (
    repo: RepositoryRef,
    reference: string,
    accept?: ReadonlyArray<string>,
  ) => Effect.Effect<Option.Option<ManifestHead>, OciRegistryError>;
  /** PUT by tag or by digest; returns the digest of `bytes`, cross-checked with the registry's. */
  readonly putManifest: (
    repo: RepositoryRef,
    reference: string,
    manifest: { readonly mediaType: string; readonly bytes: Uint8Array },
  ) => Effect.Effect<OciDigest, OciRegistryError>;
  /** All tags, following pagination; empty for an unknown repository. */
  readonly listTags: (repo: RepositoryRef) => Effect.Effect<ReadonlyArray<string>, OciRegistryError>;
  /** OCI 1.1 referrers of `digest`, optionally only those of one artifactType. */
  readonly referrers: (
    repo: RepositoryRef,
    digest: OciDigest,
    artifactType?: string,
  ) => Effect.Effect<Referrers, OciRegistryError>;
}

export interface OciSessionOptions {
  /** `storage.oci.repository.insecure`: plain HTTP for every registry of the session. */
  readonly insecure: boolean;
  readonly keychain: Keychain;
}

/** Opens registry sessions; the OCI storage backend opens one per stored object's keychain. */
export class OciRegistry extends Context.Service<
  OciRegistry,
  { readonly session: (options: OciSessionOptions) => OciRegistrySession }
>()("chains-ts/OciRegistry") {}
