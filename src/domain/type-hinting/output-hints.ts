import { Result } from "effect";
import { stringVal } from "../serialization/param-value.ts";
import { checkArtifactDigest, splitDigestAsWritten } from "./artifact-digest.ts";
import { singleDigest, type DigestedArtifact } from "./digest-set.ts";
import type { Warn } from "./format-warning.ts";
import { imageKey, parseImageReference, type ImageReference } from "./image-reference.ts";
import type { NamedValue } from "./run-view.ts";

/** Output type hints (type-hinting.md §1): images to sign and subjects. */

interface Pair {
  readonly prefix: string;
  readonly url: string;
  readonly digest: string;
}

/**
 * `<P><urlSuffix>` + `<P><digestSuffix>` results paired by prefix, values trimmed, in order of each
 * pair's first result (the reference iterates a Go map, so any order is conformant).
 */
const suffixPairs = (results: ReadonlyArray<NamedValue>, urlSuffix: string, digestSuffix: string): ReadonlyArray<Pair> => {
  const order: Array<string> = [];
  const found = new Map<string, { url: string; digest: string }>();
  const entry = (prefix: string) => {
    let e = found.get(prefix);
    if (e === undefined) {
      e = { url: "", digest: "" };
      found.set(prefix, e);
      order.push(prefix);
    }
    return e;
  };
  for (const r of results) {
    if (r.name.endsWith(urlSuffix)) entry(r.name.slice(0, -urlSuffix.length)).url = stringVal(r.value).trim();
    else if (r.name.endsWith(digestSuffix)) entry(r.name.slice(0, -digestSuffix.length)).digest = stringVal(r.value).trim();
  }
  return order.map((prefix) => ({ prefix, ...found.get(prefix)! }));
};

export interface StructuredArtifact {
  readonly resultName: string;
  readonly uri: string;
  readonly digest: string;
  readonly isBuildArtifact: boolean;
}

/** Why a `*ARTIFACT_OUTPUTS` / `*ARTIFACT_INPUTS` result is not a valid structured artifact. */
export const structuredProblem = (r: NamedValue): string | undefined => {
  if (r.value.type !== "object") return "the value must be an object with uri and digest";
  const uri = r.value.object["uri"] ?? "";
  const digest = r.value.object["digest"] ?? "";
  if (uri === "") return "uri is empty";
  if (digest === "") return "digest is empty";
  if (checkArtifactDigest(digest) === undefined) return `digest ${JSON.stringify(digest)} is not a valid sha1/sha256/sha384/sha512 digest`;
  return undefined;
};

/** Valid `*<suffix>` structured results, in result order; invalid ones are reported. */
export const structuredArtifacts = (
  results: ReadonlyArray<NamedValue>,
  suffix: "ARTIFACT_OUTPUTS" | "ARTIFACT_INPUTS",
  warn: Warn,
): ReadonlyArray<StructuredArtifact> =>
  results.flatMap((r) => {
    if (!r.name.endsWith(suffix)) return [];
    const problem = structuredProblem(r);
    if (problem !== undefined || r.value.type !== "object") {
      warn({ code: "invalid-type-hint", message: `result ${r.name} ignored: ${problem}` });
      return [];
    }
    return [
      {
        resultName: r.name,
        uri: r.value.object["uri"] ?? "",
        digest: r.value.object["digest"] ?? "",
        isBuildArtifact: r.value.object["isBuildArtifact"] === "true",
      },
    ];
  });

/** Whether a result is a valid build artifact (`*ARTIFACT_OUTPUTS` flagged `isBuildArtifact: "true"`). */
export const isValidBuildArtifact = (r: NamedValue): boolean =>
  r.name.endsWith("ARTIFACT_OUTPUTS") &&
  r.value.type === "object" &&
  r.value.object["isBuildArtifact"] === "true" &&
  structuredProblem(r) === undefined;

const splitImages = (text: string): ReadonlyArray<string> =>
  text
    .split(/[,\n]/)
    .map((item) => item.trim())
    .filter((item) => item !== "");

/**
 * OCI images declared by results, in source order (IMAGE_* pairs, IMAGES items, OCI build
 * artifacts), not yet de-duplicated.
 */
export const declaredImages = (results: ReadonlyArray<NamedValue>, warn: Warn): ReadonlyArray<ImageReference> => {
  const images: Array<ImageReference> = [];
  for (const pair of suffixPairs(results, "IMAGE_URL", "IMAGE_DIGEST")) {
    if (pair.url === "" || pair.digest === "") {
      warn({
        code: "invalid-type-hint",
        message: `results ${pair.prefix}IMAGE_URL/${pair.prefix}IMAGE_DIGEST ignored: both must be non-empty strings`,
      });
      continue;
    }
    const parsed = parseImageReference(`${pair.url}@${pair.digest}`);
    if (Result.isSuccess(parsed)) images.push(parsed.success);
    else warn({ code: "invalid-type-hint", message: `results ${pair.prefix}IMAGE_URL/${pair.prefix}IMAGE_DIGEST ignored: ${parsed.failure.message}` });
  }
  for (const r of results) {
    if (r.name !== "IMAGES") continue;
    for (const item of splitImages(stringVal(r.value))) {
      const parsed = parseImageReference(item);
      if (Result.isSuccess(parsed)) images.push(parsed.success);
      else warn({ code: "invalid-type-hint", message: `IMAGES item ignored: ${parsed.failure.message}` });
    }
  }
  for (const r of results) {
    if (!isValidBuildArtifact(r) || r.value.type !== "object") continue;
    const parsed = parseImageReference(`${r.value.object["uri"] ?? ""}@${r.value.object["digest"] ?? ""}`);
    if (Result.isSuccess(parsed)) images.push(parsed.success);
  }
  return images;
};

/** Images de-duplicated on `<repository>@<digest>`, first occurrence first. */
export const uniqueImages = (images: ReadonlyArray<ImageReference>): ReadonlyArray<ImageReference> => {
  const seen = new Set<string>();
  return images.filter((image) => {
    const key = imageKey(image);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
};

export const imageSubject = (image: ImageReference): DigestedArtifact => ({
  name: image.repository,
  digest: singleDigest("sha256", image.digest.slice("sha256:".length)),
});

const structuredSubject = (a: StructuredArtifact): ReadonlyArray<DigestedArtifact> => {
  const split = splitDigestAsWritten(a.digest);
  return split === undefined ? [] : [{ name: a.uri, digest: singleDigest(split[0], split[1]) }];
};

/** `<P>ARTIFACT_URI` + `<P>ARTIFACT_DIGEST` pairs as subjects (SLSA v0.2 and v2alpha3). */
const artifactUriSubjects = (results: ReadonlyArray<NamedValue>, warn: Warn): ReadonlyArray<DigestedArtifact> =>
  suffixPairs(results, "ARTIFACT_URI", "ARTIFACT_DIGEST").flatMap((pair) => {
    if (pair.url === "" || pair.digest === "" || checkArtifactDigest(pair.digest) === undefined) {
      warn({
        code: "invalid-type-hint",
        message: `results ${pair.prefix}ARTIFACT_URI/${pair.prefix}ARTIFACT_DIGEST ignored: both must be non-empty and the digest valid`,
      });
      return [];
    }
    const split = splitDigestAsWritten(pair.digest);
    return split === undefined ? [] : [{ name: pair.url, digest: singleDigest(split[0], split[1]) }];
  });

/** Subjects of one object's results, before merging: SLSA v0.2 and v2alpha3 order. */
export const subjectsV02 = (results: ReadonlyArray<NamedValue>, warn: Warn): ReadonlyArray<DigestedArtifact> => [
  ...declaredImages(results, warn).map(imageSubject),
  ...artifactUriSubjects(results, warn),
  ...structuredArtifacts(results, "ARTIFACT_OUTPUTS", warn).flatMap(structuredSubject),
];

/** Subjects of one object's results, before merging: v2alpha4 order (build artifacts, then images). */
export const subjectsV2alpha4 = (results: ReadonlyArray<NamedValue>, warn: Warn): ReadonlyArray<DigestedArtifact> => [
  ...structuredArtifacts(results, "ARTIFACT_OUTPUTS", warn)
    .filter((a) => a.isBuildArtifact)
    .flatMap(structuredSubject),
  ...declaredImages(results, warn).map(imageSubject),
];
