import { stringVal } from "../serialization/param-value.ts";
import { checkArtifactDigest } from "./artifact-digest.ts";
import { singleDigest } from "./digest-set.ts";
import type { Warn } from "./format-warning.ts";
import { structuredArtifacts } from "./output-hints.ts";
import type { NamedValue, ParamDefault } from "./run-view.ts";

/** Input type hints (type-hinting.md §2): materials / resolvedDependencies. */
export interface Material {
  readonly uri: string;
  readonly digest: Readonly<Record<string, string>>;
}

const gitUrlName = "CHAINS-GIT_URL";
const gitCommitName = "CHAINS-GIT_COMMIT";

/** `git+<url>.git`, adding only what is missing. */
export const spdxGit = (url: string): string => {
  const prefixed = url.startsWith("git+") ? url : `git+${url}`;
  return prefixed.endsWith(".git") ? prefixed : `${prefixed}.git`;
};

/**
 * The CHAINS-GIT_URL / CHAINS-GIT_COMMIT material from param defaults, then params, then results
 * (later sources win). Both values must be non-empty (chains-ts deviation: the reference turns a
 * lone commit into the material `git+.git`).
 */
export const gitMaterial = (
  defaults: ReadonlyArray<ParamDefault>,
  ...sources: ReadonlyArray<ReadonlyArray<NamedValue>>
): ReadonlyArray<Material> => {
  let url = "";
  let commit = "";
  const take = (name: string, value: string) => {
    if (name === gitUrlName) url = value;
    else if (name === gitCommitName) commit = value;
  };
  for (const d of defaults) if (d.default !== undefined) take(d.name, stringVal(d.default));
  for (const source of sources) for (const item of source) take(item.name, stringVal(item.value));
  return url !== "" && commit !== "" ? [{ uri: spdxGit(url), digest: singleDigest("sha1", commit) }] : [];
};

/** Valid `*ARTIFACT_INPUTS` results: digest algorithm lowercased, both parts trimmed. */
export const artifactInputs = (results: ReadonlyArray<NamedValue>, warn: Warn): ReadonlyArray<Material> =>
  structuredArtifacts(results, "ARTIFACT_INPUTS", warn).flatMap((a) => {
    const digest = checkArtifactDigest(a.digest);
    return digest === undefined ? [] : [{ uri: a.uri, digest: singleDigest(digest.algorithm, digest.hex) }];
  });

/**
 * A step or sidecar `imageID` (`[docker-pullable://]repo@alg:hex`) as a material. The reference
 * fails the whole payload on a malformed one; chains-ts skips it with a warning (deviation #18).
 */
export const imageIdMaterial = (imageID: string, where: string, warn: Warn): ReadonlyArray<Material> => {
  const trimmed = imageID.startsWith("docker-pullable://") ? imageID.slice("docker-pullable://".length) : imageID;
  const parts = trimmed.split("@");
  const digest = parts.length === 2 ? parts[1]!.split(":") : [];
  if (parts.length !== 2 || digest.length !== 2) {
    warn({ code: "skipped-image", message: `${where}: imageID ${JSON.stringify(imageID)} is not <image>@<alg>:<hex>; left out` });
    return [];
  }
  return [{ uri: `oci://${parts[0]!}`, digest: singleDigest(digest[0]!, digest[1]!) }];
};
