import type { RunKind } from "../run/run-object.ts";

/** Every annotation chains-ts writes starts with this prefix; the cluster port refuses any other. */
export const CHAINS_PREFIX = "chains.tekton.dev/";

export const SIGNED_ANNOTATION = "chains.tekton.dev/signed";
export const RETRIES_ANNOTATION = "chains.tekton.dev/retries";
export const TRANSPARENCY_ANNOTATION = "chains.tekton.dev/transparency";
export const TRANSPARENCY_UPLOAD_ANNOTATION = "chains.tekton.dev/transparency-upload";
/**
 * chains-ts only: on a run marked `signed: failed` because the key material in `signing-secrets`
 * cannot be used, the Secret version it failed with. When the Secret changes, the controller clears
 * `signed`, `retries` and this key in one write, and the run is signed again.
 */
export const FAILED_SECRETS_VERSION_ANNOTATION = "chains.tekton.dev/failed-secrets-version";
/** A label, although the reference names its constant `…Annotation`. */
export const REPRODUCIBLE_LABEL = "chains.tekton.dev/reproducible";

export const payloadAnnotation = (shortKey: string): string => `${CHAINS_PREFIX}payload-${shortKey}`;
export const signatureAnnotation = (shortKey: string): string => `${CHAINS_PREFIX}signature-${shortKey}`;
export const certAnnotation = (shortKey: string): string => `${CHAINS_PREFIX}cert-${shortKey}`;
export const chainAnnotation = (shortKey: string): string => `${CHAINS_PREFIX}chain-${shortKey}`;

export const isChainsAnnotation = (key: string): boolean => key.startsWith(CHAINS_PREFIX);

export const finalizerFor = (kind: RunKind): string =>
  kind === "TaskRun" ? "chains.tekton.dev/taskrun" : "chains.tekton.dev/pipelinerun";

/** The finalizer older releases put on TaskRuns (by merge patch); it blocks deletion all the same. */
export const LEGACY_FINALIZER = "chains.tekton.dev";

/** Every finalizer a Chains controller, this one or an older release, puts on runs. */
export const CHAINS_FINALIZERS: ReadonlyArray<string> = [finalizerFor("TaskRun"), finalizerFor("PipelineRun"), LEGACY_FINALIZER];

/** Short key of a run's own provenance: `taskrun-<uid>` / `pipelinerun-<uid>`. */
export const runShortKey = (kind: RunKind, uid: string): string => `${kind.toLowerCase()}-${uid}`;

/** Short key of an image signature: the first 12 hex characters of its sha256 digest. */
export const imageShortKey = (digest: string): string => digest.replace(/^sha256:/, "").slice(0, 12);
