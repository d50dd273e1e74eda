import { Effect, Result } from "effect";
import { writeOciArtifact, type OciStorageEnv } from "../../src/adapters/storage/oci/oci-artifact-store.ts";
import { parseRepositoryOverride, repositoryRefOf } from "../../src/adapters/storage/oci/oci-storage-targets.ts";
import { signArtifact } from "../../src/app/signing-pass/sign-artifact.ts";
import { imageShortKey } from "../../src/domain/annotations/chains-annotations.ts";
import { defaultChainsConfig } from "../../src/domain/config/parse-chains-config.ts";
import type { OciDigest } from "../../src/domain/oci/oci-digest.ts";
import type { Keychain } from "../../src/domain/oci/registry-credential.ts";
import { signatureTag } from "../../src/domain/oci/signature-image.ts";
import { imageSignatures } from "../../src/domain/signing-pass/plan-signing-pass.ts";
import type { PlannedArtifact } from "../../src/domain/signing-pass/signing-artifacts.ts";
import { StorageFailed } from "../../src/ports/artifact-store.ts";
import type { OciRegistry } from "../../src/ports/oci-registry.ts";
import type { Signer, SigningFailed } from "../../src/ports/signer.ts";

export interface ReleaseSigning {
  /** The pushed image: normalised repository and manifest digest. */
  readonly image: { readonly repository: string; readonly digest: OciDigest };
  /** The in-toto statement of the build (`imageBuildProvenance`). */
  readonly provenance: string;
  readonly signer: Signer;
  readonly registry: OciRegistry["Service"];
  readonly keychain: Keychain;
  readonly insecure: boolean;
  /** `COSIGN_REPOSITORY` and `COSIGN_DOCKER_MEDIA_TYPES`, honoured as cosign and the `oci` backend do. */
  readonly env: OciStorageEnv;
}

/** Where the signatures went: `REGISTRY/REPO:sha256-<hex>.sig` and `….att`. */
export interface ReleaseSignatures {
  readonly sig: string;
  readonly att: string;
}

/**
 * Signs a pushed image as Tekton Chains signs a TaskRun's image with the default config: the
 * image's simplesigning payload signed raw onto `sha256-<hex>.sig`, and the build's provenance in a
 * DSSE envelope onto `sha256-<hex>.att`, both written by the `oci` storage backend's own code.
 */
export const signRelease = (release: ReleaseSigning): Effect.Effect<ReleaseSignatures, SigningFailed | StorageFailed> =>
  Effect.gen(function* () {
    const { image } = release;
    const signatureRepository = release.env.COSIGN_REPOSITORY ?? "";
    const override = signatureRepository === "" ? undefined : parseRepositoryOverride(signatureRepository);
    if (override !== undefined && Result.isFailure(override)) {
      return yield* Effect.fail(new StorageFailed({ backend: "oci", artifact: image.digest, reason: `COSIGN_REPOSITORY: ${override.failure}` }));
    }
    const shortKey = imageShortKey(image.digest);
    const provenance: PlannedArtifact = {
      // The build stands where Chains has a TaskRun: its provenance is the `.att` of the image it made.
      id: `build:${shortKey}`,
      artifact: "taskrun",
      shortKey,
      fullKey: `${image.repository}@${image.digest}`,
      format: "slsa/v1",
      payload: release.provenance,
      dsse: true,
      signer: "x509",
      storage: ["oci"],
    };
    const config = { ...defaultChainsConfig.storage.oci, insecure: release.insecure };
    for (const planned of [...imageSignatures(image, defaultChainsConfig), provenance]) {
      const signed = yield* signArtifact(planned, release.signer);
      yield* writeOciArtifact({ registry: release.registry, config, env: release.env, keychain: Effect.succeed(release.keychain) }, signed);
    }
    const repo = override?.success ?? repositoryRefOf(image.repository);
    const at = (kind: "sig" | "att") => `${repo.registry}/${repo.repository}:${signatureTag(image.digest, kind)}`;
    return { sig: at("sig"), att: at("att") };
  });
