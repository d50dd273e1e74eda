import { Effect } from "effect";
import {
  certAnnotation,
  chainAnnotation,
  payloadAnnotation,
  signatureAnnotation,
} from "../../../domain/annotations/chains-annotations.ts";
import { encodeStdBase64 } from "../../../domain/dsse/base64.ts";
import { type ArtifactStore, StorageFailed } from "../../../ports/artifact-store.ts";

/** Kubernetes rejects an object whose annotations exceed 256 KiB in total. */
const ANNOTATION_BUDGET_BYTES = 256 * 1024;
/** Room left for the run's other annotations and the remaining chains keys. */
const RESERVED_BYTES = 16 * 1024;

/** Standard base64; bytes are read in place, not copied first (a DSSE envelope is several KiB). */
const base64 = (bytes: Uint8Array | string): string =>
  typeof bytes === "string" ? Buffer.from(bytes).toString("base64") : encodeStdBase64(bytes);

/**
 * The `tekton` backend: payload, signature, cert and chain as base64 annotations on the run. It
 * returns them instead of writing, so they land in the same write as `signed: true`. Oversized
 * provenance fails with a reason instead of a rejected PATCH (reference defect #28).
 */
export const tektonAnnotationStore: ArtifactStore = {
  name: "tekton",
  store: ({ artifact }) => {
    const annotations = {
      [payloadAnnotation(artifact.shortKey)]: base64(artifact.payload),
      [signatureAnnotation(artifact.shortKey)]: base64(artifact.signature),
      [certAnnotation(artifact.shortKey)]: base64(artifact.certificatePem),
      [chainAnnotation(artifact.shortKey)]: base64(artifact.chainPem),
    };
    const size = Object.entries(annotations).reduce((sum, [key, value]) => sum + key.length + value.length, 0);
    if (size > ANNOTATION_BUDGET_BYTES - RESERVED_BYTES)
      return Effect.fail(
        new StorageFailed({
          backend: "tekton",
          artifact: artifact.id,
          permanent: true,
          reason: `the signed payload needs ${size} bytes of annotations, more than the ${ANNOTATION_BUDGET_BYTES - RESERVED_BYTES} a run can hold; store this artifact type in another backend (e.g. oci)`,
        }),
      );
    return Effect.succeed({ annotations });
  },
};
