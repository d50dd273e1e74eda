import { describe, expect, it } from "vitest";
import { paramValueOf } from "../../src/domain/serialization/param-value.ts";
import type { FormatWarning } from "../../src/domain/type-hinting/format-warning.ts";
import { artifactInputs, gitMaterial, imageIdMaterial, spdxGit } from "../../src/domain/type-hinting/input-hints.ts";
import { declaredImages, subjectsV02, subjectsV2alpha4, uniqueImages } from "../../src/domain/type-hinting/output-hints.ts";
import { mergeSubjects } from "../../src/domain/type-hinting/digest-set.ts";
import type { NamedValue } from "../../src/domain/type-hinting/run-view.ts";

const h1 = "1".repeat(64);
const h2 = "2".repeat(64);
const result = (name: string, value: unknown): NamedValue => ({ name, value: paramValueOf(value) });
const collect = () => {
  const warnings: Array<FormatWarning> = [];
  return { warnings, warn: (w: FormatWarning) => warnings.push(w) };
};
const plain = (list: ReadonlyArray<{ name: string; digest: Readonly<Record<string, string>> }>) =>
  list.map((s) => ({ name: s.name, digest: { ...s.digest } }));

describe("IMAGE_URL / IMAGE_DIGEST", () => {
  it("pairs results by prefix, trims values and drops the tag", () => {
    const { warn } = collect();
    const images = declaredImages(
      [
        result("a-IMAGE_URL", " gcr.io/x/a:v1 \n"),
        result("b-IMAGE_DIGEST", `sha256:${h2}`),
        result("a-IMAGE_DIGEST", `sha256:${h1}\n`),
        result("b-IMAGE_URL", "gcr.io/x/b"),
      ],
      warn,
    );
    expect(images).toEqual([
      { repository: "gcr.io/x/a", digest: `sha256:${h1}` },
      { repository: "gcr.io/x/b", digest: `sha256:${h2}` },
    ]);
  });

  it("drops a pair with a missing half, a non-string value or a bad digest, with a warning", () => {
    const { warn, warnings } = collect();
    const images = declaredImages(
      [
        result("IMAGE_URL", "gcr.io/x/a"),
        result("x-IMAGE_URL", ["gcr.io/x/b"]),
        result("x-IMAGE_DIGEST", `sha256:${h1}`),
        result("y-IMAGE_URL", "gcr.io/x/c"),
        result("y-IMAGE_DIGEST", "sha256:abc"),
      ],
      warn,
    );
    expect(images).toEqual([]);
    expect(warnings.length).toBe(3);
    expect(warnings.every((w) => w.code === "invalid-type-hint")).toBe(true);
  });
});

describe("IMAGES", () => {
  it("splits on commas and newlines, trims, skips empty and invalid items", () => {
    const { warn, warnings } = collect();
    const images = declaredImages([result("IMAGES", ` gcr.io/ab@sha256:${h1},\n\n ubuntu@sha256:${h2} , bad@sha256:x`)], warn);
    expect(images.map((i) => i.repository)).toEqual(["gcr.io/ab", "index.docker.io/library/ubuntu"]);
    expect(warnings.length).toBe(1);
  });
});

describe("ARTIFACT_URI / ARTIFACT_DIGEST and ARTIFACT_OUTPUTS", () => {
  const results = [
    result("jar_ARTIFACT_URI", " app.jar "),
    result("jar_ARTIFACT_DIGEST", `sha256:${h1}`),
    result("lonely_ARTIFACT_DIGEST", `sha256:${h1}`),
    result("pkg-ARTIFACT_OUTPUTS", { uri: "pkg:x", digest: `sha256:${h2}` }),
    result("img-ARTIFACT_OUTPUTS", { uri: "gcr.io/bb", digest: `sha256:${h1}`, isBuildArtifact: "true" }),
    result("bad-ARTIFACT_OUTPUTS", { uri: "gcr.io/cc", digest: "sha256:" }),
    result("str-ARTIFACT_OUTPUTS", "gcr.io/dd"),
  ];

  it("are all subjects in SLSA v0.2, images first", () => {
    const { warn } = collect();
    expect(plain(mergeSubjects([], subjectsV02(results, warn)))).toEqual([
      { name: "gcr.io/bb", digest: { sha256: h1 } },
      { name: "app.jar", digest: { sha256: h1 } },
      { name: "pkg:x", digest: { sha256: h2 } },
    ]);
  });

  it("in v2alpha4 only build artifacts count, then the same artifact as an image", () => {
    const { warn } = collect();
    expect(plain(subjectsV2alpha4(results, warn))).toEqual([
      { name: "gcr.io/bb", digest: { sha256: h1 } },
      { name: "gcr.io/bb", digest: { sha256: h1 } },
    ]);
    expect(plain(mergeSubjects([], subjectsV2alpha4(results, warn)))).toEqual([{ name: "gcr.io/bb", digest: { sha256: h1 } }]);
  });

  it("keeps the digest algorithm as written in subjects", () => {
    const { warn } = collect();
    expect(plain(subjectsV02([result("x-ARTIFACT_OUTPUTS", { uri: "u", digest: `SHA256:${h1}` })], warn))).toEqual([
      { name: "u", digest: { SHA256: h1 } },
    ]);
  });
});

describe("image dedup and the merge rule", () => {
  it("de-duplicates images on repository@digest, first wins", () => {
    const { warn } = collect();
    const images = declaredImages(
      [result("IMAGE_URL", "docker.io/library/ubuntu:1"), result("IMAGE_DIGEST", `sha256:${h1}`), result("IMAGES", `ubuntu@sha256:${h1}`)],
      warn,
    );
    expect(uniqueImages(images)).toEqual([{ repository: "index.docker.io/library/ubuntu", digest: `sha256:${h1}` }]);
  });

  it("merges a subject into one with the same name and a shared digest, otherwise appends", () => {
    const merged = mergeSubjects(
      [{ name: "a", digest: { sha256: h1 } }],
      [
        { name: "a", digest: { sha256: h1, sha512: "f" } },
        { name: "a", digest: { sha256: h2 } },
        { name: "b", digest: { sha256: h1 } },
      ],
    );
    expect(plain(merged)).toEqual([
      { name: "a", digest: { sha256: h1, sha512: "f" } },
      { name: "a", digest: { sha256: h2 } },
      { name: "b", digest: { sha256: h1 } },
    ]);
  });
});

describe("input hints", () => {
  it("normalises git URLs only where needed", () => {
    expect(spdxGit("https://x/y")).toBe("git+https://x/y.git");
    expect(spdxGit("git+https://x/y.git")).toBe("git+https://x/y.git");
  });

  it("takes CHAINS-GIT_* from defaults, then params, then results, and needs both", () => {
    const defaults = [{ name: "CHAINS-GIT_URL", default: paramValueOf("https://d") }, { name: "CHAINS-GIT_COMMIT", default: undefined }];
    expect(gitMaterial(defaults, [result("CHAINS-GIT_COMMIT", "abc")], [result("CHAINS-GIT_URL", "https://r")])).toEqual([
      { uri: "git+https://r.git", digest: { sha1: "abc" } },
    ]);
    expect(gitMaterial([], [result("CHAINS-GIT_COMMIT", "abc")])).toEqual([]);
  });

  it("reads valid ARTIFACT_INPUTS with the algorithm lowercased", () => {
    const { warn, warnings } = collect();
    expect(
      artifactInputs(
        [result("ARTIFACT_INPUTS", { uri: "src", digest: `SHA1:${"a".repeat(40)}` }), result("x-ARTIFACT_INPUTS", { uri: "", digest: "sha1:a" })],
        warn,
      ).map((m) => ({ uri: m.uri, digest: { ...m.digest } })),
    ).toEqual([{ uri: "src", digest: { sha1: "a".repeat(40) } }]);
    expect(warnings.length).toBe(1);
  });

  it("turns imageIDs into oci:// materials and skips malformed ones with a warning", () => {
    const { warn, warnings } = collect();
    expect(imageIdMaterial(`docker-pullable://gcr.io/ab@sha256:${h1}`, "step s", warn)).toEqual([
      { uri: "oci://gcr.io/ab", digest: { sha256: h1 } },
    ]);
    expect(imageIdMaterial("", "step s", warn)).toEqual([]);
    expect(imageIdMaterial("gcr.io/a:latest", "step s", warn)).toEqual([]);
    expect(warnings.map((w) => w.code)).toEqual(["skipped-image", "skipped-image"]);
  });
});
