import type { PermanentFailure } from "../../domain/lifecycle/lifecycle-steps.ts";
import type { BackendUnavailable, StorageFailed } from "../../ports/artifact-store.ts";
import type { SignerUnavailable, SigningFailed } from "../../ports/signer.ts";

/** The errors a signing pass meets for one artifact. */
export type ArtifactError = SignerUnavailable | SigningFailed | StorageFailed | BackendUnavailable;

/**
 * Permanent: storing fails the same way every time (over the annotation budget), or the key
 * material of this secrets version cannot be used. Anything else may pass on a retry (undefined).
 */
export const permanenceOf = (error: ArtifactError): PermanentFailure | undefined => {
  switch (error._tag) {
    case "StorageFailed":
      return error.permanent === true ? {} : undefined;
    case "SignerUnavailable":
      return error.secretsVersion === undefined ? undefined : { secretsVersion: error.secretsVersion };
    default:
      return undefined;
  }
};

/**
 * The class of a step that failed for several artifacts. One permanent failure is enough: a run is
 * marked signed only when every artifact is, so no retry can get it there. A failure that holds
 * for every secrets version wins over one that a new Secret may cure.
 */
export const combinedPermanence = (classes: ReadonlyArray<PermanentFailure | undefined>): PermanentFailure | undefined => {
  const permanent = classes.filter((c): c is PermanentFailure => c !== undefined);
  return permanent.find((c) => c.secretsVersion === undefined) ?? permanent[0];
};
