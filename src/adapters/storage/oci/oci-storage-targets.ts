import { Result } from "effect";
import { isJsonObject } from "../../../domain/oci/json-object.ts";
import type { OciDigest } from "../../../domain/oci/oci-digest.ts";
import { parseImageReference, type ImageReference } from "../../../domain/type-hinting/image-reference.ts";
import type { RepositoryRef } from "../../../ports/oci-registry.ts";
import { parseJsonText } from "../../../domain/serialization/json-text.ts";

/** Where the `oci` backend writes, decided from the signed payload (storage.md §3.1). */

/** An image to attach a signature to, and the repository its signature tags live in. */
export interface OciTarget {
  readonly image: ImageReference & { readonly digest: OciDigest };
  readonly imageRepo: RepositoryRef;
  /** `storage.oci.repository` (or `COSIGN_REPOSITORY`) when set, else the image's own repository. */
  readonly signatureRepo: RepositoryRef;
}

/** A statement subject that is not an OCI `repo@sha256` reference; skipped, not fatal (defect #13). */
export interface SkippedSubject {
  readonly name: string;
  readonly reason: string;
}

export interface StatementTargets {
  readonly predicateType: string;
  readonly targets: ReadonlyArray<OciTarget>;
  readonly skipped: ReadonlyArray<SkippedSubject>;
}

/** `host[:port]/path` → registry and repository path. */
export const repositoryRefOf = (normalised: string): RepositoryRef => {
  const slash = normalised.indexOf("/");
  return { registry: normalised.slice(0, slash), repository: normalised.slice(slash + 1) };
};

/** Normalises an override repository (`storage.oci.repository`) as go-containerregistry's `NewRepository`. */
export const parseRepositoryOverride = (repository: string): Result.Result<RepositoryRef, string> => {
  const parsed = parseImageReference(`${repository}@sha256:${"0".repeat(64)}`);
  return Result.isSuccess(parsed)
    ? Result.succeed(repositoryRefOf(parsed.success.repository))
    : Result.fail(`storage.oci.repository ${JSON.stringify(repository)} is not a repository: ${parsed.failure.reason}`);
};

const target = (image: ImageReference, override: RepositoryRef | undefined): OciTarget => {
  const imageRepo = repositoryRefOf(image.repository);
  return { image: image as OciTarget["image"], imageRepo, signatureRepo: override ?? imageRepo };
};

/** The image a simplesigning payload is about: `critical.identity.docker-reference` @ `critical.image.docker-manifest-digest`. */
export const simpleSigningTarget = (
  payload: string,
  override: RepositoryRef | undefined,
): Result.Result<OciTarget, string> => {
  const json = parseJson(payload);
  const critical = isJsonObject(json) ? json["critical"] : undefined;
  const identity = isJsonObject(critical) ? critical["identity"] : undefined;
  const image = isJsonObject(critical) ? critical["image"] : undefined;
  const reference = isJsonObject(identity) ? identity["docker-reference"] : undefined;
  const digest = isJsonObject(image) ? image["docker-manifest-digest"] : undefined;
  if (typeof reference !== "string" || typeof digest !== "string") {
    return Result.fail("the simplesigning payload has no critical.identity.docker-reference or critical.image.docker-manifest-digest");
  }
  const parsed = parseImageReference(`${reference}@${digest}`);
  return Result.isSuccess(parsed) ? Result.succeed(target(parsed.success, override)) : Result.fail(parsed.failure.message);
};

/** The OCI images among an in-toto statement's subjects, in order; the others are listed as skipped. */
export const statementTargets = (
  payload: string,
  override: RepositoryRef | undefined,
): Result.Result<StatementTargets, string> => {
  const json = parseJson(payload);
  if (!isJsonObject(json)) return Result.fail("the payload is not an in-toto statement (not a JSON object)");
  const predicateType = typeof json["predicateType"] === "string" ? json["predicateType"] : "";
  const subjects = json["subject"] ?? [];
  if (!Array.isArray(subjects)) return Result.fail("the statement's subject is not a list");
  const targets: OciTarget[] = [];
  const skipped: SkippedSubject[] = [];
  for (const subject of subjects) {
    const name = isJsonObject(subject) && typeof subject["name"] === "string" ? subject["name"] : "";
    const digests = isJsonObject(subject) ? subject["digest"] : undefined;
    const hex = isJsonObject(digests) ? digests["sha256"] : undefined;
    if (typeof hex !== "string") {
      skipped.push({ name, reason: "no sha256 digest" });
      continue;
    }
    const parsed = parseImageReference(`${name}@sha256:${hex}`);
    if (Result.isFailure(parsed)) skipped.push({ name, reason: parsed.failure.reason });
    else if (!isPushable(name, parsed.success)) skipped.push({ name, reason: "a URL or an empty path segment, not a registry repository" });
    else targets.push(target(parsed.success, override));
  }
  return Result.succeed({ predicateType, targets, skipped });
};

/**
 * Weak parsing accepts `https://host/file` (registry `https:`, repository `/host/file`); such
 * ARTIFACT_URI names are not images, and pushing to them can only fail.
 */
const isPushable = (name: string, image: ImageReference): boolean => {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(name)) return false;
  const { registry, repository } = repositoryRefOf(image.repository);
  return !registry.endsWith(":") && repository.split("/").every((segment) => segment !== "");
};

const parseJson = (text: string): unknown => {
  try {
    return parseJsonText(text);
  } catch {
    return undefined;
  }
};
