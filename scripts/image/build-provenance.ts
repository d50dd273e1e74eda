import { statementJson, statementV01 } from "../../src/domain/formats/in-toto-statement.ts";
import { materialsJson, predicateTypeV02 } from "../../src/domain/formats/slsa-v02/v02-common.ts";
import { singleDigest } from "../../src/domain/type-hinting/digest-set.ts";
import { digestHex, type OciDigest } from "../../src/domain/oci/oci-digest.ts";
import { formatRfc3339Nano, parseRfc3339 } from "../../src/domain/serialization/rfc3339.ts";

/** Who built the image and how: `npm run image`, named as SLSA wants a URI. */
export const imageBuilderId = "urn:chains-ts:npm-run-image";
export const imageBuildType = "urn:chains-ts:npm-run-image:v1";

/** The checkout the image was built from. */
export interface BuildSource {
  /** `git+<remote URL>`, or `git+file://<checkout>` when the checkout has no `origin`. */
  readonly repositoryUri: string;
  /** `git rev-parse HEAD`. */
  readonly commit: string;
  /** Uncommitted changes were built too, so the commit alone does not reproduce the image. */
  readonly dirty: boolean;
  /** SHA-256 (hex) of package-lock.json, which pins the Node runtime and every production dependency. */
  readonly packageLockSha256: string;
}

export interface ImageBuild {
  /** The pushed image: its normalised repository (as signatures name it) and manifest digest. */
  readonly image: { readonly repository: string; readonly digest: OciDigest };
  readonly source: BuildSource;
  /** The options `npm run image` was given (`--key` left out: it says who signs, not what was built). */
  readonly parameters: Readonly<Record<string, string | boolean>>;
  /** The files' time (`SOURCE_DATE_EPOCH`), which the digest depends on. */
  readonly epoch: Date;
  readonly startedOn: Date;
  readonly finishedOn: Date;
}

/** RFC 3339 as Go prints a v0.2 time (the fraction trimmed). */
const v02Time = (date: Date): string => formatRfc3339Nano(parseRfc3339(date.toISOString())!);

/**
 * The SLSA v0.2 provenance of an image build, as the in-toto v0.1 statement Tekton Chains' default
 * `slsa/v1` format makes for a TaskRun (so `cosign verify-attestation --type slsaprovenance` reads
 * it): the pushed image as subject, the commit and package-lock.json as materials. The Node runtime
 * is in the lock; the shared libraries and CA certificates come from the build machine and are not
 * listed, hence `completeness.materials: false`.
 */
export const imageBuildProvenance = (build: ImageBuild): string => {
  const { image, source } = build;
  const commit = singleDigest("sha1", source.commit);
  const predicate = {
    buildType: imageBuildType,
    builder: { id: imageBuilderId },
    invocation: {
      configSource: { uri: source.repositoryUri, digest: commit, entryPoint: "npm run image" },
      parameters: build.parameters,
      environment: { SOURCE_DATE_EPOCH: String(Math.floor(build.epoch.getTime() / 1000)), gitTreeDirty: source.dirty },
    },
    materials: materialsJson([
      { uri: source.repositoryUri, digest: commit },
      { uri: "package-lock.json", digest: singleDigest("sha256", source.packageLockSha256) },
    ]),
    metadata: {
      buildStartedOn: v02Time(build.startedOn),
      buildFinishedOn: v02Time(build.finishedOn),
      completeness: { parameters: true, environment: false, materials: false },
      reproducible: !source.dirty,
    },
  };
  const subject = { name: image.repository, digest: singleDigest("sha256", digestHex(image.digest)) };
  return statementJson(statementV01, [subject], predicateTypeV02, predicate);
};
