import { TRANSPARENCY_ANNOTATION } from "../annotations/chains-annotations.ts";
import type { SignedArtifact } from "../signing-pass/signing-artifacts.ts";

/**
 * One `chains.tekton.dev/transparency-<short key>` per logged artifact (reference defect #26), plus
 * the reference's single `chains.tekton.dev/transparency`, which the last logged artifact wins.
 */
export const transparencyAnnotations = (signed: ReadonlyArray<SignedArtifact>): Record<string, string> => {
  const annotations: Record<string, string> = {};
  for (const artifact of signed) {
    if (artifact.transparencyEntry === undefined) continue;
    annotations[`${TRANSPARENCY_ANNOTATION}-${artifact.shortKey}`] = artifact.transparencyEntry.url;
    annotations[TRANSPARENCY_ANNOTATION] = artifact.transparencyEntry.url;
  }
  return annotations;
};
