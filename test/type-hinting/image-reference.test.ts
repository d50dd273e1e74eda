import { Result } from "effect";
import { describe, expect, it } from "vitest";
import { parseImageReference } from "../../src/domain/type-hinting/image-reference.ts";
import { checkArtifactDigest } from "../../src/domain/type-hinting/artifact-digest.ts";

const hex = "a".repeat(64);

describe("OCI reference normalisation (type-hinting.md §4)", () => {
  it.each([
    ["gcr.io/foo/bar", "gcr.io/foo/bar"],
    ["gcr.io/foo/bar:v1", "gcr.io/foo/bar"],
    ["ubuntu", "index.docker.io/library/ubuntu"],
    ["docker.io/ubuntu", "index.docker.io/library/ubuntu"],
    ["foo/bar", "index.docker.io/foo/bar"],
    ["docker.io/foo/bar", "index.docker.io/foo/bar"],
    ["localhost:5000/app", "localhost:5000/app"],
    ["localhost/app", "localhost/app"],
    ["registry/myimage", "index.docker.io/registry/myimage"],
  ])("%s → %s", (name, repository) => {
    const parsed = parseImageReference(`${name}@sha256:${hex}`);
    expect(Result.isSuccess(parsed) ? parsed.success : parsed.failure.message).toEqual({
      repository,
      digest: `sha256:${hex}`,
    });
  });

  it.each([
    `Gcr.io/Foo@sha256:${hex}`,
    `gcr.io/foo/bar@SHA256:${hex}`,
    `gcr.io/foo/bar@sha256:${hex.slice(1)}`,
    `gcr.io/foo/bar@sha256:${"A".repeat(64)}`,
    "gcr.io/foo/bar",
    `a@b@sha256:${hex}`,
    `gcr.io/foo/bar@sha512:${"a".repeat(128)}`,
    `@sha256:${hex}`,
  ])("rejects %s", (reference) => {
    expect(Result.isFailure(parseImageReference(reference))).toBe(true);
  });
});

describe("generic digest check (type-hinting.md §3)", () => {
  it("accepts sha1/sha256/sha384/sha512 of the right length, lowercasing and trimming the algorithm", () => {
    expect(checkArtifactDigest(` SHA256 :${hex}`)).toEqual({ algorithm: "sha256", hex });
    expect(checkArtifactDigest(`sha1:${"0".repeat(40)}`)).toEqual({ algorithm: "sha1", hex: "0".repeat(40) });
    expect(checkArtifactDigest(`sha384:${"1".repeat(96)}`)).toBeDefined();
    expect(checkArtifactDigest(`sha512:${"f".repeat(128)}`)).toBeDefined();
  });

  it("rejects other algorithms, lengths, uppercase hex and extra colons", () => {
    for (const d of [`md5:${hex}`, `sha256:${hex}0`, `sha256:${hex.toUpperCase()}`, "sha1:ab123", `sha256:${hex}:x`, hex])
      expect(checkArtifactDigest(d)).toBeUndefined();
  });
});
