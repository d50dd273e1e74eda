import { Effect, Result } from "effect";
import type { ChainsConfig } from "../../../domain/config/chains-config.ts";
import { IN_TOTO_PAYLOAD_TYPE, serializeEnvelope } from "../../../domain/dsse/envelope.ts";
import { cosignSignFormat, cosignSignPredicateType } from "../../../domain/formats/cosign-sign-statement.ts";
import { slsaFormats } from "../../../domain/formats/slsa-formats.ts";
import type { InvalidImageManifest } from "../../../domain/oci/image-manifest.ts";
import type { Keychain } from "../../../domain/oci/registry-credential.ts";
import { isOciDigest, type OciDigest } from "../../../domain/oci/oci-digest.ts";
import type { SignatureMediaTypes, TooManySignatureLayers } from "../../../domain/oci/signature-image.ts";
import { attestationLayer, simpleSigningLayer, type SignatureLayer } from "../../../domain/oci/signature-layer.ts";
import type { SignedArtifact } from "../../../domain/signing-pass/signing-artifacts.ts";
import { cosignRekorBundle } from "../../../domain/transparency/rekor-bundle.ts";
import { type ArtifactStore, StorageFailed, type StoreResult } from "../../../ports/artifact-store.ts";
import type { OciRegistry, OciRegistryError, OciRegistrySession, RepositoryRef } from "../../../ports/oci-registry.ts";
import type { RegistryCredentials } from "../../../ports/registry-credentials.ts";
import { writeBundleReferrer, type SubjectImageNotFound } from "../../registry/client/bundle-referrer-writer.ts";
import { writeSignatureLayer } from "../../registry/client/signature-tag-writer.ts";
import {
  parseRepositoryOverride,
  repositoryRefOf,
  simpleSigningTarget,
  statementTargets,
  type OciTarget,
  type SkippedSubject,
} from "./oci-storage-targets.ts";
import { dsseEnvelopeBundle } from "./sigstore-bundle.ts";

/** The environment switches cosign's library reads, which the reference inherits. */
export interface OciStorageEnv {
  /** Docker schema-2 media types when it parses as a true Go bool (`1`, `t`, `true`, …). */
  readonly COSIGN_DOCKER_MEDIA_TYPES?: string | undefined;
  /** Signature repository when `storage.oci.repository` is not set. */
  readonly COSIGN_REPOSITORY?: string | undefined;
}

export interface OciArtifactStoreOptions {
  readonly registry: OciRegistry["Service"];
  /** The config in force; read on every store call, so live edits apply to the next pass. */
  readonly config: () => ChainsConfig;
  readonly credentials: RegistryCredentials["Service"];
  /** Defaults to the process environment. */
  readonly env?: OciStorageEnv;
}

/**
 * What the pass hands the backend, by payload format (storage.md §3.1): an image signature over
 * simplesigning (for `.sig` tags) or over a cosign/sign/v1 statement (for bundles), or a run's
 * SLSA envelope.
 */
type Payload = "simplesigning" | "cosign-sign-statement" | "attestation" | "other";

const payloadOf = (artifact: SignedArtifact): Payload =>
  artifact.format === "simplesigning"
    ? "simplesigning"
    : artifact.format === cosignSignFormat
      ? "cosign-sign-statement"
      : slsaFormats.has(artifact.format)
        ? "attestation"
        : "other";

type Encoding = ChainsConfig["storage"]["oci"]["encodingFormat"];

/**
 * How an artifact is written. An image's signed bytes differ between the encodings, so the form
 * the pass planned (and signed) wins over a config edited since, with a warning; a SLSA envelope
 * is the same in both, so the config in force decides.
 */
const encodingOf = (payload: Exclude<Payload, "other">, configured: Encoding): Encoding =>
  payload === "simplesigning" ? "dsse" : payload === "cosign-sign-statement" ? "sigstore-bundle" : configured;

/** Go's `strconv.ParseBool` true values. */
const goTrue: ReadonlySet<string> = new Set(["1", "t", "T", "TRUE", "true", "True"]);

type WriteError = OciRegistryError | InvalidImageManifest | TooManySignatureLayers | SubjectImageNotFound;

const describe = (error: WriteError): string => {
  switch (error._tag) {
    case "OciRegistryError":
      return error.message;
    case "InvalidImageManifest":
      return `the registry holds an unreadable manifest: ${error.reason}`;
    case "TooManySignatureLayers":
      return `the signature image would have ${error.layers} layers, more than cosign's limit of 1000`;
    case "SubjectImageNotFound":
      return `image ${error.registry}/${error.repository}@${error.digest} is not in the registry (a sigstore-bundle referrer needs it)`;
  }
};

/**
 * The `oci` backend: image signatures on `sha256-<hex>.sig`, SLSA envelopes on `sha256-<hex>.att`
 * of every OCI subject (storage.md §3), or sigstore bundles as OCI 1.1 referrers (§4). Registry
 * calls use the run's ServiceAccount keychain (§5). Writing is idempotent, so a retried pass only
 * adds what is missing.
 */
export const makeOciArtifactStore = (options: OciArtifactStoreOptions): ArtifactStore => {
  const env = options.env ?? { COSIGN_DOCKER_MEDIA_TYPES: process.env["COSIGN_DOCKER_MEDIA_TYPES"], COSIGN_REPOSITORY: process.env["COSIGN_REPOSITORY"] };
  const store: ArtifactStore["store"] = ({ run, artifact }) =>
    Effect.suspend(() =>
      writeOciArtifact(
        {
          registry: options.registry,
          config: options.config().storage.oci,
          env,
          keychain: options.credentials.keychainFor(run).pipe(Effect.mapError((e) => e.message)),
        },
        artifact,
      ),
    );
  return { name: "oci", store };
};

/** Everything an `oci` write needs besides the artifact. */
export interface OciWrite {
  readonly registry: OciRegistry["Service"];
  readonly config: ChainsConfig["storage"]["oci"];
  readonly env: OciStorageEnv;
  /** Whose credentials the registry calls use; resolved only once the artifact is known to be written. */
  readonly keychain: Effect.Effect<Keychain, string>;
}

/**
 * Stores one signed artifact as the `oci` backend does, for any keychain: a run's (the controller)
 * or the releaser's docker config (`npm run image -- --key`, which signs the image it pushed).
 */
export const writeOciArtifact = (write: OciWrite, artifact: SignedArtifact): Effect.Effect<StoreResult, StorageFailed> => {
  const { config, env } = write;
  const mediaTypes: SignatureMediaTypes = goTrue.has(env.COSIGN_DOCKER_MEDIA_TYPES ?? "") ? "docker" : "oci";
  const failed = (reason: string) => new StorageFailed({ backend: "oci", artifact: artifact.id, reason });
  const payload = payloadOf(artifact);
  return Effect.gen(function* () {
    if (payload === "other") {
      yield* Effect.logDebug(`oci storage: format ${artifact.format} is neither simplesigning nor SLSA; nothing to store`);
      return none;
    }
    const encoding = encodingOf(payload, config.encodingFormat);
    if (encoding !== config.encodingFormat) {
      yield* Effect.logWarning(
        `oci storage: this image signature was planned before storage.oci.encoding-format became ${config.encodingFormat}; it is stored as ${encoding}`,
      );
    }
    if (encoding === "sigstore-bundle" && artifact.signer === "pgp") {
      // A bundle holds a DSSE envelope signed over its PAE, which a PGP signer does not make.
      const key = `artifacts.${artifact.artifact}.signer`;
      return yield* Effect.fail(
        failed(
          `storage.oci.encoding-format sigstore-bundle needs a DSSE signature, which ${key} pgp cannot make; set ${key} to x509 or kms, or storage.oci.encoding-format to dsse`,
        ),
      );
    }
    const keychain = yield* write.keychain.pipe(Effect.mapError(failed));
    const session = write.registry.session({ insecure: config.insecure, keychain });
    if (encoding === "sigstore-bundle" && payload !== "simplesigning") {
      if (config.repository !== "") {
        yield* Effect.logWarning("oci storage: storage.oci.repository is ignored with encoding-format sigstore-bundle; referrers live in the image's repository");
      }
      return yield* storeBundle(session, artifact, payload, failed);
    }
    const overrideName = config.repository !== "" ? config.repository : (env.COSIGN_REPOSITORY ?? "");
    const override = overrideName === "" ? undefined : parseRepositoryOverride(overrideName);
    if (override !== undefined && Result.isFailure(override)) return yield* Effect.fail(failed(override.failure));
    const overrideRepo = override?.success;
    if (payload === "simplesigning") {
      const target = simpleSigningTarget(artifact.payload, overrideRepo);
      if (Result.isFailure(target)) return yield* Effect.fail(failed(target.failure));
      const layer = simpleSigningLayer({
        payload: utf8.encode(artifact.payload),
        signature: artifact.signature,
        certificatePem: artifact.certificatePem,
        chainPem: artifact.chainPem,
        ...rekorBundle(artifact),
      });
      yield* writeLayer(session, target.success, "sig", layer, mediaTypes).pipe(Effect.mapError((e) => failed(describe(e))));
      return none;
    }
    const statement = statementTargets(artifact.payload, overrideRepo);
    if (Result.isFailure(statement)) return yield* Effect.fail(failed(statement.failure));
    yield* logSkipped(statement.success.skipped);
    const layer = attestationLayer({
      envelope: envelopeBytes(artifact),
      certificatePem: artifact.certificatePem,
      chainPem: artifact.chainPem,
      ...rekorBundle(artifact),
    });
    // Every subject is tried, so one unreachable repository does not leave the others unattested.
    const failures: string[] = [];
    for (const target of statement.success.targets) {
      const written = yield* Effect.result(writeLayer(session, target, "att", layer, mediaTypes));
      if (Result.isFailure(written)) failures.push(describe(written.failure));
    }
    if (failures.length > 0) return yield* Effect.fail(failed(failures.join("; ")));
    return none;
  }).pipe(Effect.annotateLogs({ backend: "oci", artifact: artifact.id }));
};

/** Non-OCI subjects are left out with a log line each, instead of failing the upload (defect #13). */
const logSkipped = (skipped: ReadonlyArray<SkippedSubject>) =>
  Effect.forEach(skipped, (s) =>
    Effect.logWarning(`oci storage: subject ${JSON.stringify(s.name)} is not an OCI image reference (${s.reason}); not attested`),
  );

const none: StoreResult = { annotations: {} };

/** The `dev.sigstore.cosign/bundle` value when the artifact's signature is logged (transparency.md §5). */
const rekorBundle = (artifact: SignedArtifact): { readonly rekorBundleJson?: string } =>
  artifact.transparencyEntry === undefined ? {} : { rekorBundleJson: cosignRekorBundle(artifact.transparencyEntry) };
const utf8 = new TextEncoder();

/** The DSSE envelope as signed; with `signer: none` the statement in an envelope without signatures. */
const envelopeBytes = (artifact: SignedArtifact): Uint8Array =>
  artifact.signature.length > 0
    ? artifact.signature
    : utf8.encode(serializeEnvelope({ payloadType: IN_TOTO_PAYLOAD_TYPE, payload: utf8.encode(artifact.payload), signatures: [] }));

/**
 * Checks the image first (404 = unknown image, the write continues; any other error fails, as in
 * the reference), then appends the layer to the signature tag in the signature repository.
 */
const writeLayer = (
  session: OciRegistrySession,
  target: OciTarget,
  kind: "sig" | "att",
  layer: SignatureLayer,
  mediaTypes: SignatureMediaTypes,
) =>
  Effect.gen(function* () {
    yield* session.headManifest(target.imageRepo, target.image.digest);
    const written = yield* writeSignatureLayer(session, {
      repo: target.signatureRepo,
      imageDigest: target.image.digest,
      kind,
      layer,
      mediaTypes,
    });
    const where = `${target.signatureRepo.registry}/${target.signatureRepo.repository}:${written.tag}`;
    yield* written._tag === "Written"
      ? Effect.logInfo(`oci storage: wrote ${where} (${written.layers} layers)`)
      : Effect.logInfo(`oci storage: ${where} already holds this signature`);
  });

/** Where one bundle goes: the image's own repository (referrers live next to their subject). */
interface BundleTarget {
  readonly repo: RepositoryRef;
  readonly digest: OciDigest;
}

/** The images a bundle is about: the planned image for a signature, the OCI subjects for an attestation. */
const bundleTargets = (
  artifact: SignedArtifact,
  payload: "cosign-sign-statement" | "attestation",
): Effect.Effect<{ readonly predicateType: string; readonly targets: ReadonlyArray<BundleTarget> }, string> => {
  if (payload === "cosign-sign-statement") {
    // cosign's statement names no repository, only the digest; the plan keeps the image.
    const image = artifact.image;
    return image === undefined || !isOciDigest(image.digest)
      ? Effect.fail("the image signature names no image by sha256 digest")
      : Effect.succeed({
          predicateType: cosignSignPredicateType,
          targets: [{ repo: repositoryRefOf(image.repository), digest: image.digest }],
        });
  }
  const statement = statementTargets(artifact.payload, undefined);
  if (Result.isFailure(statement)) return Effect.fail(statement.failure);
  return Effect.as(logSkipped(statement.success.skipped), {
    predicateType: statement.success.predicateType,
    targets: statement.success.targets.map((t) => ({ repo: t.imageRepo, digest: t.image.digest })),
  });
};

/** storage.md §4: one referrer per image (attestations: per OCI subject), in the image's repository. */
const storeBundle = (
  session: OciRegistrySession,
  artifact: SignedArtifact,
  payload: "cosign-sign-statement" | "attestation",
  failed: (reason: string) => StorageFailed,
) =>
  Effect.gen(function* () {
    const { predicateType, targets } = yield* bundleTargets(artifact, payload).pipe(Effect.mapError(failed));
    if (targets.length === 0) return none;
    const bundle = dsseEnvelopeBundle({
      envelopeJson: new TextDecoder().decode(envelopeBytes(artifact)),
      publicKeyPem: artifact.publicKeyPem,
      certificatePem: artifact.certificatePem,
      ...(artifact.transparencyEntry === undefined ? {} : { tlogEntry: artifact.transparencyEntry }),
    });
    if (Result.isFailure(bundle)) return yield* Effect.fail(failed(bundle.failure));
    const created = new Date(Math.floor(Date.now() / 1000) * 1000);
    const failures: string[] = [];
    for (const target of targets) {
      const written = yield* Effect.result(
        writeBundleReferrer(session, {
          repo: target.repo,
          subjectDigest: target.digest,
          bundle: bundle.success,
          predicateType,
          created,
        }),
      );
      if (Result.isFailure(written)) failures.push(describe(written.failure));
    }
    if (failures.length > 0) return yield* Effect.fail(failed(failures.join("; ")));
    return none;
  });
