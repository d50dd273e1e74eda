/**
 * The typed `chains-config` ConfigMap. Every key of spec/config.md has a field here; the parser in
 * `parse-chains-config.ts` fills the reference defaults.
 */

/** Provenance formats for runs. `in-toto` and `slsa/v1` are aliases (SLSA v0.2); `tekton` is the
 * deprecated legacy format of older releases (payload = the run's status). */
export type RunFormatName = "in-toto" | "slsa/v1" | "slsa/v2alpha3" | "slsa/v2alpha4" | "tekton";
export type ImageFormatName = "simplesigning";

/** Storage backend names. `kafka` is accepted as an alias and stored as `pubsub` (reference defect #5). */
export type StorageBackendName = "tekton" | "oci" | "gcs" | "docdb" | "grafeas" | "archivista" | "pubsub";

/** `none` means the documented behaviour: store the payload unsigned (reference defect #2). */
export type SignerChoice = "x509" | "kms" | "pgp" | "none";

export type ArtifactType = "taskrun" | "pipelinerun" | "oci";

export interface ArtifactConfig<Format extends string> {
  readonly format: Format;
  /** Empty when the storage key is exactly "" (the artifact type is then disabled). */
  readonly storage: ReadonlyArray<StorageBackendName>;
  readonly signer: SignerChoice;
  /** False when the storage key is exactly "". */
  readonly enabled: boolean;
}

export type TransparencyMode = "off" | "always" | "manual";

export interface ChainsConfig {
  readonly artifacts: {
    readonly taskrun: ArtifactConfig<RunFormatName>;
    readonly pipelinerun: ArtifactConfig<RunFormatName> & { readonly deepInspection: boolean };
    readonly oci: ArtifactConfig<ImageFormatName>;
  };
  readonly storage: {
    readonly gcs: { readonly bucket: string };
    readonly oci: {
      readonly repository: string;
      readonly insecure: boolean;
      readonly encodingFormat: "dsse" | "sigstore-bundle";
    };
    readonly docdb: {
      readonly url: string;
      readonly mongoServerUrl: string;
      readonly mongoServerUrlDir: string;
      readonly mongoServerUrlPath: string;
    };
    readonly grafeas: { readonly projectId: string; readonly noteId: string; readonly noteHint: string };
    readonly archivista: { readonly url: string };
    readonly pubsub: {
      readonly provider: "" | "inmemory" | "kafka" | "gcppubsub";
      readonly topic: string;
      readonly kafkaBootstrapServers: string;
    };
  };
  readonly signers: {
    readonly kms: {
      readonly kmsRef: string;
      readonly auth: {
        readonly address: string;
        readonly token: string;
        readonly tokenPath: string;
        readonly oidc: { readonly path: string; readonly role: string; readonly tokenPath: string };
        readonly spire: { readonly sock: string; readonly audience: string };
      };
    };
    readonly x509: {
      readonly fulcio: {
        readonly enabled: boolean;
        readonly address: string;
        readonly issuer: string;
        readonly provider: string;
      };
      readonly identityTokenFile: string;
      readonly tufMirrorUrl: string;
    };
  };
  readonly transparency: { readonly mode: TransparencyMode; readonly url: string };
  readonly builderId: string;
  readonly buildType: "https://tekton.dev/chains/v2/slsa" | "https://tekton.dev/chains/v2/slsa-tekton";
  /** Extra `spec.managedBy` values to process; empty when the key is unset. */
  readonly managedBy: ReadonlyArray<string>;
}
