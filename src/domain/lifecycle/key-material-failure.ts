import {
  FAILED_SECRETS_VERSION_ANNOTATION,
  RETRIES_ANNOTATION,
  SIGNED_ANNOTATION,
} from "../annotations/chains-annotations.ts";
import { signingStateOf } from "../annotations/signing-state.ts";
import { isBeingDeleted } from "../run/run-completion.ts";
import type { RunObject } from "../run/run-object.ts";

/**
 * The `signing-secrets` version a run was marked failed on because its key material could not be
 * used, when the run is worth another pass once the Secret changes (signing.md §1): failed, on key
 * material, and not being deleted. `undefined` for any other run.
 */
export const rearmableSecretsVersionOf = (run: RunObject): string | undefined => {
  const version = run.metadata.annotations?.[FAILED_SECRETS_VERSION_ANNOTATION];
  return signingStateOf(run.metadata.annotations)._tag === "Failed" && !isBeingDeleted(run) ? version : undefined;
};

/** A run failed on secrets `failedVersion` is signed again when the Secret is now at another version. */
export const signAgainUnder = (failedVersion: string, currentVersion: string): boolean => failedVersion !== currentVersion;

/** The one write that re-arms such a run: it is unsigned again, with a fresh retry budget. */
export const REARM_REMOVED_ANNOTATIONS: ReadonlyArray<string> = [SIGNED_ANNOTATION, RETRIES_ANNOTATION, FAILED_SECRETS_VERSION_ANNOTATION];
