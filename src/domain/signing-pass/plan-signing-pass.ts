import { Result } from "effect";
import {
  imageShortKey,
  runShortKey,
  TRANSPARENCY_ANNOTATION,
  TRANSPARENCY_UPLOAD_ANNOTATION,
} from "../annotations/chains-annotations.ts";
import type { ArtifactConfig, ChainsConfig, RunFormatName, StorageBackendName } from "../config/chains-config.ts";
import { cosignSignFormat, cosignSignStatement } from "../formats/cosign-sign-statement.ts";
import {
  buildRunPayload,
  type ImageReference,
  imagesToSign,
  type PayloadCreationFailed,
  simpleSigningPayload,
} from "../formats/run-payload.ts";
import type { RunObject } from "../run/run-object.ts";
import type { PassPlan, PlannedArtifact } from "./signing-artifacts.ts";

export interface PassInput {
  readonly run: RunObject;
  /** Child TaskRuns of a PipelineRun that exist and are signed or failed (empty for TaskRuns). */
  readonly children: ReadonlyArray<RunObject>;
  readonly missingChildren: ReadonlyArray<string>;
  readonly config: ChainsConfig;
}

/** `tekton.dev-v1-TaskRun-<uid>`: the resource id external stores key a run's provenance by. */
const runFullKey = (run: RunObject): string =>
  `${run.apiVersion.replace("/", "-")}-${run.kind}-${run.metadata.uid}`;

const shouldUpload = (run: RunObject, config: ChainsConfig): boolean => {
  const annotations = run.metadata.annotations ?? {};
  switch (config.transparency.mode) {
    case "always":
      return true;
    case "manual":
      return annotations[TRANSPARENCY_UPLOAD_ANNOTATION] === "true" && annotations[TRANSPARENCY_ANNOTATION] === undefined;
    case "off":
      return false;
  }
};

const runArtifact = (
  input: PassInput,
  artifactConfig: ArtifactConfig<RunFormatName>,
): Result.Result<{ artifact: PlannedArtifact; warnings: ReadonlyArray<string> }, PayloadCreationFailed> => {
  const { run, config } = input;
  return Result.map(
    buildRunPayload({
      kind: run.kind,
      run: run.raw,
      children: input.children.map((child) => child.raw),
      format: artifactConfig.format,
      options: {
        builderId: config.builderId,
        buildType: config.buildType,
        deepInspection: config.artifacts.pipelinerun.deepInspection,
      },
    }),
    (built) => {
      const artifact = run.kind === "TaskRun" ? "taskrun" : "pipelinerun";
      const shortKey = runShortKey(run.kind, run.metadata.uid);
      return {
        artifact: {
          id: `${artifact}:${shortKey}`,
          artifact,
          shortKey,
          fullKey: runFullKey(run),
          format: artifactConfig.format,
          payload: built.payload,
          dsse: built.dsse,
          signer: artifactConfig.signer,
          storage: artifactConfig.storage,
        },
        warnings: built.warnings.map((w) => w.message),
      };
    },
  );
};

/**
 * The signatures of one image. With `storage.oci.encoding-format: sigstore-bundle` the `oci` backend
 * gets what cosign 3.x makes, a DSSE signature over a cosign/sign/v1 statement: a bundle around the
 * reference's raw simplesigning signature does not verify (storage.md §4). The other backends keep
 * the simplesigning payload and its raw signature, since their readers expect exactly that
 * (`cosign verify-blob` on the `tekton` annotations, the gcs/docdb/grafeas layouts). So the image is
 * planned once per form, each with the backends that take it, rather than one form for all.
 */
export const imageSignatures = (image: ImageReference, config: ChainsConfig): ReadonlyArray<PlannedArtifact> => {
  const oci = config.artifacts.oci;
  const shortKey = imageShortKey(image.digest);
  const common = {
    artifact: "oci",
    shortKey,
    fullKey: `${image.repository}@${image.digest}`,
    signer: oci.signer,
    image: { repository: image.repository, digest: image.digest },
  } as const;
  const simpleSigning = (storage: ReadonlyArray<StorageBackendName>): PlannedArtifact => ({
    ...common,
    id: `oci:${shortKey}`,
    format: oci.format,
    payload: simpleSigningPayload(image),
    dsse: false,
    storage,
  });
  if (config.storage.oci.encodingFormat !== "sigstore-bundle" || !oci.storage.includes("oci")) return [simpleSigning(oci.storage)];
  const statement: PlannedArtifact = {
    ...common,
    id: `oci:${shortKey}/${cosignSignFormat}`,
    format: cosignSignFormat,
    payload: cosignSignStatement(image.digest),
    dsse: true,
    storage: ["oci"],
  };
  const others = oci.storage.filter((backend) => backend !== "oci");
  return others.length > 0 ? [simpleSigning(others), statement] : [statement];
};

const imageArtifacts = (input: PassInput): { artifacts: ReadonlyArray<PlannedArtifact>; warnings: ReadonlyArray<string> } => {
  const { images, warnings } = imagesToSign(input.run.raw);
  return {
    artifacts: images.flatMap((image) => imageSignatures(image, input.config)),
    warnings: warnings.map((w) => w.message),
  };
};

/**
 * Decides everything one signing pass will produce for a run, from a snapshot of the run, its
 * children and the config. Disabled artifact types produce nothing; a payload that cannot be built
 * fails the whole pass (it goes through retry accounting, never silently marked signed).
 */
export const planSigningPass = (input: PassInput): Result.Result<PassPlan, PayloadCreationFailed> => {
  const { run, config } = input;
  const artifacts: Array<PlannedArtifact> = [];
  const warnings: Array<string> = [];
  const runConfig = run.kind === "TaskRun" ? config.artifacts.taskrun : config.artifacts.pipelinerun;
  if (runConfig.enabled) {
    const built = runArtifact(input, runConfig);
    if (Result.isFailure(built)) return Result.fail(built.failure);
    artifacts.push(built.success.artifact);
    warnings.push(...built.success.warnings);
  }
  if (run.kind === "TaskRun" && config.artifacts.oci.enabled) {
    const images = imageArtifacts(input);
    artifacts.push(...images.artifacts);
    warnings.push(...images.warnings);
  }
  return Result.succeed({
    artifacts,
    uploadToTransparencyLog: shouldUpload(run, config),
    warnings,
    missingChildren: input.missingChildren,
  });
};
