import { Result } from "effect";
import { supportedDocstoreDrivers, unsupportedDocstoreDriver } from "../storage/docstore-url.ts";
import type {
  ArtifactConfig,
  ChainsConfig,
  ImageFormatName,
  RunFormatName,
  SignerChoice,
  StorageBackendName,
  TransparencyMode,
} from "./chains-config.ts";
import { ConfigInvalid } from "./config-invalid.ts";

type ConfigData = Readonly<Record<string, string>>;
type Parsed<A> = Result.Result<A, ConfigInvalid>;

// Own keys only: a key such as "constructor" must not pick up Object.prototype members.
const lookup = (data: ConfigData, key: string): string | undefined =>
  Object.hasOwn(data, key) ? data[key] : undefined;

const invalid = (key: string, value: string, allowed: ReadonlyArray<string>, reason: string) =>
  Result.fail(new ConfigInvalid({ key, value, allowed, reason }));

const stringKey = (data: ConfigData, key: string, fallback: string): string => lookup(data, key) ?? fallback;

const enumKey = <A extends string>(
  data: ConfigData,
  key: string,
  allowed: ReadonlyArray<A>,
  fallback: A,
): Parsed<A> => {
  const value = lookup(data, key);
  if (value === undefined) return Result.succeed(fallback);
  const match = allowed.find((candidate) => candidate === value);
  return match === undefined ? invalid(key, value, allowed, "not one of the allowed values") : Result.succeed(match);
};

const trueLiterals = ["1", "t", "T", "TRUE", "true", "True"];
const falseLiterals = ["0", "f", "F", "FALSE", "false", "False"];

/** Go `strconv.ParseBool` literals; "" keeps the default. Anything else is rejected (reference defect #22). */
const boolKey = (data: ConfigData, key: string, fallback: boolean): Parsed<boolean> => {
  const value = lookup(data, key);
  if (value === undefined || value === "") return Result.succeed(fallback);
  if (trueLiterals.includes(value)) return Result.succeed(true);
  if (falseLiterals.includes(value)) return Result.succeed(false);
  return invalid(key, value, [...trueLiterals, ...falseLiterals, ""], "not a boolean");
};

const transparencyModes: ReadonlyArray<readonly [string, TransparencyMode]> = [
  ["true", "always"],
  ["manual", "manual"],
  ["false", "off"],
  ["", "off"],
];

/** Only the exact words are accepted; the reference silently treated e.g. `TRUE` as off (defect #22). */
const transparencyKey = (data: ConfigData): Parsed<TransparencyMode> => {
  const key = "transparency.enabled";
  const value = lookup(data, key);
  if (value === undefined) return Result.succeed("off");
  const mode = transparencyModes.find(([word]) => word === value)?.[1];
  return mode === undefined
    ? invalid(key, value, transparencyModes.map(([word]) => word), "transparency must be on, manual or off")
    : Result.succeed(mode);
};

/**
 * A keyless certificate lives about ten minutes; its signatures only verify later through the Rekor
 * entry that proves they were made while it was valid. So Fulcio without `transparency.enabled:
 * "true"` would sign runs nobody can verify, and is refused like any invalid value.
 */
const keylessNeedsTransparency = (data: ConfigData, config: ChainsConfig): Parsed<void> =>
  config.signers.x509.fulcio.enabled && config.transparency.mode !== "always"
    ? invalid(
        "signers.x509.fulcio.enabled",
        lookup(data, "signers.x509.fulcio.enabled") ?? "",
        [],
        `keyless signing requires transparency.enabled: "true" (it is ${JSON.stringify(lookup(data, "transparency.enabled") ?? "")}); ` +
          "without a Rekor entry the short-lived certificate's signatures cannot be verified",
      )
    : Result.succeed(undefined);

/**
 * Backends in use whose config names something chains-ts cannot drive here (`storage.md` §10,
 * issue 12): a Kafka broker, or a docstore driver without a client. The config is rejected, so
 * the last good one stays in force, instead of every pass failing the same way.
 */
const usableStorage = (data: ConfigData, config: ChainsConfig): Parsed<void> => {
  const named = new Set([...config.artifacts.taskrun.storage, ...config.artifacts.pipelinerun.storage, ...config.artifacts.oci.storage]);
  if (named.has("pubsub") && config.storage.pubsub.provider === "kafka")
    return invalid("storage.pubsub.provider", "kafka", ["inmemory", "gcppubsub"], "no Kafka client ships with chains-ts; use gcppubsub (Google Pub/Sub) or inmemory");
  const driver = named.has("docdb") ? unsupportedDocstoreDriver(config.storage.docdb.url) : undefined;
  return driver === undefined
    ? Result.succeed(undefined)
    : invalid("storage.docdb.url", lookup(data, "storage.docdb.url") ?? "", [...supportedDocstoreDrivers], driver);
};

/** Splits a set key: exactly "" is the empty set; otherwise comma-separated, items trimmed, none empty. */
const setItems = (key: string, value: string, allowed: ReadonlyArray<string>): Parsed<ReadonlyArray<string>> => {
  if (value === "") return Result.succeed([]);
  const items = value.split(",").map((item) => item.trim());
  return items.includes("")
    ? invalid(key, value, allowed, "a comma-separated list must not contain an empty item (use exactly \"\" to disable)")
    : Result.succeed(items);
};

const storageNames: ReadonlyArray<StorageBackendName> = ["tekton", "oci", "gcs", "docdb", "grafeas", "archivista", "pubsub"];
/** The reference validated `kafka` but registered the backend as `pubsub` (defect #5): one backend, two names. */
const storageAliases: Readonly<Record<string, StorageBackendName>> = { kafka: "pubsub" };

const storageKey = (
  data: ConfigData,
  key: string,
  fallback: ReadonlyArray<StorageBackendName>,
  excluded: Readonly<Partial<Record<StorageBackendName, string>>>,
): Parsed<ReadonlyArray<StorageBackendName>> => {
  const value = lookup(data, key);
  if (value === undefined) return Result.succeed(fallback);
  const names = storageNames.filter((name) => excluded[name] === undefined);
  const allowed = [...names, ...Object.keys(storageAliases), ""];
  return Result.flatMap(setItems(key, value, allowed), (items) => {
    const backends: Array<StorageBackendName> = [];
    for (const item of items) {
      const backend = names.find((name) => name === item) ?? storageAliases[item];
      if (backend === undefined) {
        const why = storageNames.find((name) => name === item);
        return invalid(key, value, allowed, why === undefined ? `unknown storage backend "${item}"` : `${excluded[why]}`);
      }
      if (!backends.includes(backend)) backends.push(backend);
    }
    return Result.succeed(backends);
  });
};

const runFormats: ReadonlyArray<RunFormatName> = ["in-toto", "slsa/v1", "slsa/v2alpha3", "slsa/v2alpha4", "tekton"];
const removedRunFormats = ["slsa/v2alpha1", "slsa/v2alpha2"];

const runFormatKey = (data: ConfigData, key: string, warnings: Array<string>): Parsed<RunFormatName> => {
  const value = lookup(data, key);
  if (value !== undefined && removedRunFormats.includes(value)) {
    return invalid(key, value, runFormats, `format "${value}" was removed from Tekton Chains in 2024`);
  }
  return Result.map(enumKey(data, key, runFormats, "in-toto"), (format) => {
    if (format === "tekton") {
      warnings.push(
        `chains-config: "${key}: tekton" is deprecated (the legacy format was removed from Tekton Chains in 2023); use "in-toto" or "slsa/v2alpha4"`,
      );
    }
    return format;
  });
};

const signers: ReadonlyArray<SignerChoice> = ["x509", "kms", "none", "pgp"];

const artifactKeys = <Format extends string>(
  data: ConfigData,
  type: string,
  format: Parsed<Format>,
  defaultStorage: ReadonlyArray<StorageBackendName>,
  excludedStorage: Readonly<Partial<Record<StorageBackendName, string>>>,
): Parsed<ArtifactConfig<Format>> =>
  Result.gen(function* () {
    const storageKeyName = `artifacts.${type}.storage`;
    const storage = yield* storageKey(data, storageKeyName, defaultStorage, excludedStorage);
    return {
      format: yield* format,
      storage,
      signer: yield* enumKey(data, `artifacts.${type}.signer`, signers, "x509"),
      // `signer: none` stays enabled: it means "store unsigned" (defect #2); only "" storage disables.
      enabled: lookup(data, storageKeyName) !== "",
    };
  });

const buildTypes: ReadonlyArray<ChainsConfig["buildType"]> = [
  "https://tekton.dev/chains/v2/slsa",
  "https://tekton.dev/chains/v2/slsa-tekton",
];

/** Extra `spec.managedBy` values: free text; empty items are dropped since "" is always accepted anyway. */
const managedByKey = (data: ConfigData): ReadonlyArray<string> => {
  const value = lookup(data, "filter.managed-by") ?? "";
  return [...new Set(value.split(",").map((item) => item.trim()).filter((item) => item !== ""))];
};

/**
 * Parses the `chains-config` ConfigMap data with the reference defaults (spec/config.md), rejecting
 * invalid values more strictly than the reference (spec/controller.md §10). Unknown keys are ignored.
 */
export const parseChainsConfig = (
  data: ConfigData,
): Result.Result<{ readonly config: ChainsConfig; readonly warnings: ReadonlyArray<string> }, ConfigInvalid> =>
  Result.gen(function* () {
    const warnings: Array<string> = [];
    const taskrun = yield* artifactKeys(
      data,
      "taskrun",
      runFormatKey(data, "artifacts.taskrun.format", warnings),
      ["tekton"],
      {},
    );
    const pipelinerun = yield* artifactKeys(
      data,
      "pipelinerun",
      runFormatKey(data, "artifacts.pipelinerun.format", warnings),
      ["tekton"],
      {},
    );
    const deepInspection = yield* boolKey(data, "artifacts.pipelinerun.enable-deep-inspection", false);
    const oci = yield* artifactKeys(
      data,
      "oci",
      enumKey<ImageFormatName>(data, "artifacts.oci.format", ["simplesigning"], "simplesigning"),
      ["oci"],
      // Reference defect #21: archivista was accepted here but cannot store simplesigning signatures.
      { archivista: "archivista cannot store image (simplesigning) signatures" },
    );
    const config: ChainsConfig = {
      artifacts: { taskrun, pipelinerun: { ...pipelinerun, deepInspection }, oci },
      storage: {
        gcs: { bucket: stringKey(data, "storage.gcs.bucket", "") },
        oci: {
          repository: stringKey(data, "storage.oci.repository", ""),
          insecure: yield* boolKey(data, "storage.oci.repository.insecure", false),
          encodingFormat: yield* enumKey(data, "storage.oci.encoding-format", ["dsse", "sigstore-bundle"], "dsse"),
        },
        docdb: {
          url: stringKey(data, "storage.docdb.url", ""),
          mongoServerUrl: stringKey(data, "storage.docdb.mongo-server-url", ""),
          mongoServerUrlDir: stringKey(data, "storage.docdb.mongo-server-url-dir", ""),
          mongoServerUrlPath: stringKey(data, "storage.docdb.mongo-server-url-path", ""),
        },
        grafeas: {
          projectId: stringKey(data, "storage.grafeas.projectid", ""),
          noteId: stringKey(data, "storage.grafeas.noteid", ""),
          noteHint: stringKey(data, "storage.grafeas.notehint", "This attestation note was generated by Tekton Chains"),
        },
        archivista: { url: stringKey(data, "storage.archivista.url", "") },
        pubsub: {
          // "" is only the unset default; an explicit "" is rejected like any value not listed.
          provider: yield* enumKey<"" | "inmemory" | "kafka" | "gcppubsub">(data, "storage.pubsub.provider", ["inmemory", "kafka", "gcppubsub"], ""),
          topic: stringKey(data, "storage.pubsub.topic", ""),
          kafkaBootstrapServers: stringKey(data, "storage.pubsub.kafka.bootstrap.servers", ""),
        },
      },
      signers: {
        kms: {
          kmsRef: stringKey(data, "signers.kms.kmsref", ""),
          auth: {
            address: stringKey(data, "signers.kms.auth.address", ""),
            token: stringKey(data, "signers.kms.auth.token", ""),
            tokenPath: stringKey(data, "signers.kms.auth.token-path", ""),
            oidc: {
              path: stringKey(data, "signers.kms.auth.oidc.path", ""),
              role: stringKey(data, "signers.kms.auth.oidc.role", ""),
              tokenPath: stringKey(data, "signers.kms.auth.oidc.token-path", ""),
            },
            spire: {
              sock: stringKey(data, "signers.kms.auth.spire.sock", ""),
              audience: stringKey(data, "signers.kms.auth.spire.audience", ""),
            },
          },
        },
        x509: {
          fulcio: {
            enabled: yield* boolKey(data, "signers.x509.fulcio.enabled", false),
            address: stringKey(data, "signers.x509.fulcio.address", "https://fulcio.sigstore.dev"),
            issuer: stringKey(data, "signers.x509.fulcio.issuer", "https://oauth2.sigstore.dev/auth"),
            provider: stringKey(data, "signers.x509.fulcio.provider", ""),
          },
          identityTokenFile: stringKey(data, "signers.x509.identity.token.file", ""),
          tufMirrorUrl: stringKey(data, "signers.x509.tuf.mirror.url", "https://tuf-repo-cdn.sigstore.dev"),
        },
      },
      transparency: {
        mode: yield* transparencyKey(data),
        url: stringKey(data, "transparency.url", "https://rekor.sigstore.dev"),
      },
      builderId: stringKey(data, "builder.id", "https://tekton.dev/chains/v2"),
      buildType: yield* enumKey(data, "builddefinition.buildtype", buildTypes, "https://tekton.dev/chains/v2/slsa"),
      managedBy: managedByKey(data),
    };
    yield* keylessNeedsTransparency(data, config);
    yield* usableStorage(data, config);
    return { config, warnings };
  });

/** The configuration in force when `chains-config` sets no keys. */
export const defaultChainsConfig: ChainsConfig = Result.getOrThrow(parseChainsConfig({})).config;
