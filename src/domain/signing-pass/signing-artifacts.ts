import type {
  ArtifactType,
  ImageFormatName,
  RunFormatName,
  SignerChoice,
  StorageBackendName,
} from "../config/chains-config.ts";
import type { CosignSignFormat } from "../formats/cosign-sign-statement.ts";
import type { VerifiedLogEntry } from "../transparency/log-entry.ts";

/** An OCI image named by a run's results, normalised (`index.docker.io/library/x`). */
export interface ImageTarget {
  readonly repository: string;
  /** `sha256:<hex>` */
  readonly digest: string;
}

/** One object a signing pass must sign and store: a run's provenance or one image signature. */
export interface PlannedArtifact {
  /** Unique within a pass: `<artifact type>:<short key>`, plus `/cosign/sign/v1` for an image's statement. */
  readonly id: string;
  readonly artifact: ArtifactType;
  /** The `<key>` of `chains.tekton.dev/payload-<key>`. */
  readonly shortKey: string;
  /** Resource id for external stores: `tekton.dev-v1-TaskRun-<uid>` or `<repo>@sha256:<hex>`. */
  readonly fullKey: string;
  /** The configured format, or `cosign/sign/v1` for an image signed for sigstore-bundle storage. */
  readonly format: RunFormatName | ImageFormatName | CosignSignFormat;
  /** Exact UTF-8 text that is signed (directly, or through DSSE). */
  readonly payload: string;
  readonly dsse: boolean;
  readonly signer: SignerChoice;
  readonly storage: ReadonlyArray<StorageBackendName>;
  readonly image?: ImageTarget;
}

/** A planned artifact with its signature. */
export interface SignedArtifact extends PlannedArtifact {
  /** What storage calls "the signature": the DSSE envelope JSON, or the raw signature bytes. */
  readonly signature: Uint8Array;
  readonly publicKeyPem: string;
  readonly keyId: string;
  readonly certificatePem: string;
  readonly chainPem: string;
  /** The verified Rekor entry, once the artifact is logged (kept across retries, like the signature). */
  readonly transparencyEntry?: VerifiedLogEntry;
}

/** Everything a pass will do for a run, decided once from a snapshot of the run and config. */
export interface PassPlan {
  readonly artifacts: ReadonlyArray<PlannedArtifact>;
  readonly uploadToTransparencyLog: boolean;
  /** Why some hints or images were left out (logged, counted; never silent). */
  readonly warnings: ReadonlyArray<string>;
  /** Child TaskRuns that were missing when the plan was made (PipelineRuns only). */
  readonly missingChildren: ReadonlyArray<string>;
}

/** Identifies one (artifact, backend) write so a retry redoes only what failed (defect #11). */
export const storeKey = (artifactId: string, backend: StorageBackendName): string => `${artifactId}@${backend}`;
