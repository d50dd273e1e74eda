import { Effect, Layer, Option } from "effect";
import { InvalidImageManifest } from "../../../domain/oci/image-manifest.ts";
import { parseImageIndex } from "../../../domain/oci/bundle-referrer.ts";
import type { Descriptor } from "../../../domain/oci/descriptor.ts";
import { manifestAcceptTypes, ociIndexMediaType } from "../../../domain/oci/media-types.ts";
import { isOciDigest, sha256Digest, type OciDigest } from "../../../domain/oci/oci-digest.ts";
import {
  OciRegistry,
  type BlobContent,
  type ManifestContent,
  type ManifestHead,
  type OciRegistryError,
  type OciRegistrySession,
  type OciSessionOptions,
  type Referrers,
  type RepositoryRef,
} from "../../../ports/oci-registry.ts";
import { defaultRetryPolicy, type RetryPolicy } from "./retry-policy.ts";
import {
  RegistryTransport,
  responseError,
  statusError,
  withRetries,
  type RegistryRequest,
  type RegistryResponse,
} from "./registry-transport.ts";
import { parseJsonText } from "../../../domain/serialization/json-text.ts";

export interface DistributionClientOptions extends OciSessionOptions {
  readonly retry?: RetryPolicy;
  /** Replaceable for tests that need to observe or break requests; defaults to global `fetch`. */
  readonly fetch?: typeof globalThis.fetch;
  readonly userAgent?: string;
  /** Tags asked for per page of a tag listing. */
  readonly tagsPageSize?: number;
}

/** Upper bound on pages followed in tag and referrer listings, so a looping `Link` cannot hang a pass. */
const maxPages = 1000;

/**
 * A session against registries speaking the distribution API (OCI distribution spec 1.1):
 * blob HEAD and upload, manifests by tag or digest, tag listing, referrers.
 */
export const distributionSession = (options: DistributionClientOptions): OciRegistrySession => {
  const transport = new RegistryTransport({
    insecure: options.insecure,
    keychain: options.keychain,
    retry: options.retry ?? defaultRetryPolicy,
    fetch: options.fetch ?? globalThis.fetch,
    userAgent: options.userAgent ?? "chains-ts",
  });
  const v2 = (repo: RepositoryRef, rest: string) => `/v2/${repo.repository}/${rest}`;

  const blobExists = (repo: RepositoryRef, digest: OciDigest) => {
    const request: RegistryRequest = {
      repo,
      operation: `HEAD blob ${digest}`,
      action: "pull",
      method: "HEAD",
      url: v2(repo, `blobs/${digest}`),
    };
    return transport.send(request).pipe(
      Effect.flatMap((response) => {
        if (response.status === 404) return Effect.succeed(false);
        if (response.status !== 200) return Effect.fail(statusError(request, response));
        const reported = response.headers.get("docker-content-digest");
        if (reported !== null && reported !== digest) {
          return Effect.fail(responseError(request, "digest-mismatch", `registry reports ${reported}`));
        }
        return Effect.succeed(true);
      }),
    );
  };

  const uploadBlob = (repo: RepositoryRef, blob: BlobContent, uploadOptions?: { readonly chunkSize?: number }) => {
    const actual = sha256Digest(blob.bytes);
    if (actual !== blob.digest) {
      return Effect.fail(
        responseError(
          { repo, operation: `upload blob ${blob.digest}`, action: "push", method: "PUT", url: "" },
          "digest-mismatch",
          `the bytes to upload hash to ${actual}`,
        ),
      );
    }
    // Upload sessions cannot be resumed safely after an unknown failure, so a retry restarts the
    // whole upload; the HEAD in front makes a retry after a lost final response a no-op.
    const upload = startUpload(repo, blob).pipe(
      Effect.flatMap((url) =>
        uploadOptions?.chunkSize === undefined
          ? finishUpload(repo, blob, url, blob.bytes)
          : uploadChunks(repo, blob, url, uploadOptions.chunkSize),
      ),
    );
    const once = blobExists(repo, blob.digest).pipe(Effect.flatMap((exists) => (exists ? Effect.void : upload)));
    return withRetries(transport.retryPolicy, once);
  };

  const startUpload = (repo: RepositoryRef, blob: BlobContent) => {
    const request: RegistryRequest = {
      repo,
      operation: `POST upload for blob ${blob.digest}`,
      action: "push",
      method: "POST",
      url: v2(repo, "blobs/uploads/"),
      headers: { "Content-Length": "0" },
    };
    return transport.sendOnce(request).pipe(
      Effect.flatMap((response) => (response.status === 202 ? location(request, response) : Effect.fail(statusError(request, response)))),
    );
  };

  const uploadChunks = (repo: RepositoryRef, blob: BlobContent, start: string, chunkSize: number) =>
    Effect.gen(function* () {
      let url = start;
      let offset = 0;
      let size = Math.max(1, chunkSize);
      while (offset < blob.bytes.length) {
        const chunk = blob.bytes.subarray(offset, Math.min(offset + size, blob.bytes.length));
        const end = offset + chunk.length - 1;
        const request: RegistryRequest = {
          repo,
          operation: `PATCH blob ${blob.digest} bytes ${offset}-${end}`,
          action: "push",
          method: "PATCH",
          url,
          headers: {
            "Content-Type": "application/octet-stream",
            "Content-Range": `${offset}-${end}`,
            "Content-Length": String(chunk.length),
          },
          body: chunk,
        };
        const response = yield* transport.sendOnce(request);
        if (response.status !== 202) return yield* Effect.fail(statusError(request, response));
        const range = response.headers.get("range");
        if (range !== null && range !== `0-${end}` && range !== `bytes=0-${end}`) {
          return yield* Effect.fail(responseError(request, "invalid-response", `registry holds range ${range}`));
        }
        url = yield* location(request, response);
        offset = end + 1;
        // A registry may announce a minimum chunk size after the first chunk (OCI distribution 1.1).
        const minimum = Number(response.headers.get("oci-chunk-min-length") ?? "0");
        if (Number.isSafeInteger(minimum) && minimum > size) size = minimum;
      }
      return yield* finishUpload(repo, blob, url, new Uint8Array());
    });

  const finishUpload = (repo: RepositoryRef, blob: BlobContent, uploadUrl: string, body: Uint8Array) => {
    const url = new URL(uploadUrl, transport.baseUrl(repo.registry));
    url.searchParams.set("digest", blob.digest);
    const request: RegistryRequest = {
      repo,
      operation: `PUT blob ${blob.digest}`,
      action: "push",
      method: "PUT",
      url: url.href,
      headers: { "Content-Type": "application/octet-stream", "Content-Length": String(body.length) },
      body,
    };
    return transport.sendOnce(request).pipe(
      Effect.flatMap((response) => {
        if (response.status !== 201) return Effect.fail(statusError(request, response));
        const reported = response.headers.get("docker-content-digest");
        if (reported !== null && reported !== blob.digest) {
          return Effect.fail(responseError(request, "digest-mismatch", `registry stored ${reported}`));
        }
        return Effect.void;
      }),
    );
  };

  const getManifest = (repo: RepositoryRef, reference: string, accept: ReadonlyArray<string> = manifestAcceptTypes) => {
    const request: RegistryRequest = {
      repo,
      operation: `GET manifest ${reference}`,
      action: "pull",
      method: "GET",
      url: v2(repo, `manifests/${reference}`),
      headers: { Accept: accept.join(", ") },
    };
    return transport.send(request).pipe(
      Effect.flatMap((response): Effect.Effect<Option.Option<ManifestContent>, OciRegistryError> => {
        if (response.status === 404) return Effect.succeed(Option.none());
        if (response.status !== 200) return Effect.fail(statusError(request, response));
        const digest = sha256Digest(response.body);
        const expected = isOciDigest(reference) ? reference : response.headers.get("docker-content-digest");
        if (expected !== null && expected.startsWith("sha256:") && expected !== digest) {
          return Effect.fail(responseError(request, "digest-mismatch", `expected ${expected}, content hashes to ${digest}`));
        }
        return Effect.succeed(Option.some({ mediaType: mediaTypeOf(response), digest, bytes: response.body }));
      }),
    );
  };

  const headManifest = (repo: RepositoryRef, reference: string, accept: ReadonlyArray<string> = manifestAcceptTypes) => {
    const request: RegistryRequest = {
      repo,
      operation: `HEAD manifest ${reference}`,
      action: "pull",
      method: "HEAD",
      url: v2(repo, `manifests/${reference}`),
      headers: { Accept: accept.join(", ") },
    };
    return transport.send(request).pipe(
      Effect.flatMap((response): Effect.Effect<Option.Option<ManifestHead>, OciRegistryError> => {
        if (response.status === 404) return Effect.succeed(Option.none());
        if (response.status !== 200) return Effect.fail(statusError(request, response));
        const digest = response.headers.get("docker-content-digest");
        const size = Number(response.headers.get("content-length") ?? "NaN");
        if (digest === null || !isOciDigest(digest) || !Number.isSafeInteger(size)) {
          // Some registries omit the digest on HEAD; the body tells it.
          return getManifest(repo, reference, accept).pipe(
            Effect.map(Option.map((m) => ({ mediaType: m.mediaType, digest: m.digest, size: m.bytes.length }))),
          );
        }
        if (isOciDigest(reference) && digest !== reference) {
          return Effect.fail(responseError(request, "digest-mismatch", `registry reports ${digest}`));
        }
        return Effect.succeed(Option.some({ mediaType: mediaTypeOf(response), digest, size }));
      }),
    );
  };

  const putManifest = (
    repo: RepositoryRef,
    reference: string,
    manifest: { readonly mediaType: string; readonly bytes: Uint8Array },
  ) => {
    const digest = sha256Digest(manifest.bytes);
    const request: RegistryRequest = {
      repo,
      operation: `PUT manifest ${reference}`,
      action: "push",
      method: "PUT",
      url: v2(repo, `manifests/${reference}`),
      headers: { "Content-Type": manifest.mediaType },
      body: manifest.bytes,
    };
    if (isOciDigest(reference) && reference !== digest) {
      return Effect.fail(responseError(request, "digest-mismatch", `the manifest hashes to ${digest}`));
    }
    return transport.send(request).pipe(
      Effect.flatMap((response) => {
        if (response.status !== 201 && response.status !== 200) return Effect.fail(statusError(request, response));
        const reported = response.headers.get("docker-content-digest");
        if (reported !== null && reported.startsWith("sha256:") && reported !== digest) {
          return Effect.fail(responseError(request, "digest-mismatch", `registry stored ${reported}, sent ${digest}`));
        }
        return Effect.succeed(digest);
      }),
    );
  };

  const listTags = (repo: RepositoryRef) =>
    Effect.gen(function* () {
      const tags: string[] = [];
      let url: string | undefined = `${v2(repo, "tags/list")}?n=${options.tagsPageSize ?? 1000}`;
      for (let page = 0; url !== undefined && page < maxPages; page++) {
        const request: RegistryRequest = { repo, operation: "GET tags", action: "pull", method: "GET", url };
        const response: RegistryResponse = yield* transport.send(request);
        if (response.status === 404 && page === 0) return [];
        if (response.status !== 200) return yield* Effect.fail(statusError(request, response));
        const json = parseJson(response.body) as { tags?: unknown } | undefined;
        const pageTags = json?.tags ?? [];
        if (!Array.isArray(pageTags) || !pageTags.every((t) => typeof t === "string")) {
          return yield* Effect.fail(responseError(request, "invalid-response", "tags list is not a list of strings"));
        }
        tags.push(...pageTags);
        url = nextLink(response);
      }
      return tags;
    });

  const referrers = (repo: RepositoryRef, digest: OciDigest, artifactType?: string) =>
    Effect.gen(function* () {
      const manifests: Descriptor[] = [];
      const query = artifactType === undefined ? "" : `?artifactType=${encodeURIComponent(artifactType)}`;
      let url: string | undefined = v2(repo, `referrers/${digest}${query}`);
      let filtered = true;
      for (let page = 0; url !== undefined && page < maxPages; page++) {
        const request: RegistryRequest = {
          repo,
          operation: `GET referrers ${digest}`,
          action: "pull",
          method: "GET",
          url,
          headers: { Accept: ociIndexMediaType },
        };
        const response: RegistryResponse = yield* transport.send(request);
        // 404/400 (or a non-index answer) mean the registry has no referrers API: use the fallback tag.
        if (page === 0 && (response.status === 404 || response.status === 400 || response.status === 405)) {
          return { _tag: "Unsupported" } as Referrers;
        }
        if (response.status !== 200) return yield* Effect.fail(statusError(request, response));
        if (page === 0 && mediaTypeOf(response) !== ociIndexMediaType) return { _tag: "Unsupported" } as Referrers;
        const index = parseImageIndex(response.body);
        if (index instanceof InvalidImageManifest) {
          return yield* Effect.fail(responseError(request, "invalid-response", index.reason));
        }
        manifests.push(...index.manifests);
        filtered &&= (response.headers.get("oci-filters-applied") ?? "").split(",").map((s) => s.trim()).includes("artifactType");
        url = nextLink(response);
      }
      const listed = artifactType === undefined || filtered ? manifests : manifests.filter((m) => m.artifactType === artifactType);
      return { _tag: "Listed", manifests: listed } as Referrers;
    });

  return { blobExists, uploadBlob, getManifest, headManifest, putManifest, listTags, referrers };
};

/** The real-registry implementation of the `OciRegistry` port. */
export const distributionOciRegistryLayer = (
  defaults: Omit<DistributionClientOptions, keyof OciSessionOptions> = {},
): Layer.Layer<OciRegistry> =>
  Layer.succeed(OciRegistry, { session: (options) => distributionSession({ ...defaults, ...options }) });

const location = (request: RegistryRequest, response: RegistryResponse) => {
  const value = response.headers.get("location");
  if (value === null || value === "") {
    return Effect.fail(responseError(request, "invalid-response", "upload response has no Location", response.status));
  }
  return Effect.succeed(new URL(value, response.url).href);
};

const mediaTypeOf = (response: RegistryResponse): string =>
  (response.headers.get("content-type") ?? "").split(";")[0]?.trim() ?? "";

/** The `rel="next"` target of a `Link` header, resolved against the request URL. */
const nextLink = (response: RegistryResponse): string | undefined => {
  const link = response.headers.get("link");
  if (link === null) return undefined;
  for (const part of link.split(",")) {
    const m = /<([^>]*)>\s*;\s*rel="?next"?/i.exec(part);
    if (m?.[1] !== undefined) return new URL(m[1], response.url).href;
  }
  return undefined;
};

const parseJson = (bytes: Uint8Array): unknown => {
  try {
    return parseJsonText(new TextDecoder().decode(bytes));
  } catch {
    return undefined;
  }
};
