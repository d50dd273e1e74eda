import { Result } from "effect";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseChainsConfig } from "../../src/domain/config/parse-chains-config.ts";

/** Every key spec/config.md defines for chains-config. */
const knownKeys = [
  "artifacts.taskrun.format",
  "artifacts.taskrun.storage",
  "artifacts.taskrun.signer",
  "artifacts.pipelinerun.format",
  "artifacts.pipelinerun.storage",
  "artifacts.pipelinerun.signer",
  "artifacts.pipelinerun.enable-deep-inspection",
  "artifacts.oci.format",
  "artifacts.oci.storage",
  "artifacts.oci.signer",
  "storage.gcs.bucket",
  "storage.oci.repository",
  "storage.oci.repository.insecure",
  "storage.oci.encoding-format",
  "storage.docdb.url",
  "storage.docdb.mongo-server-url",
  "storage.docdb.mongo-server-url-dir",
  "storage.docdb.mongo-server-url-path",
  "storage.grafeas.projectid",
  "storage.grafeas.noteid",
  "storage.grafeas.notehint",
  "storage.archivista.url",
  "storage.pubsub.provider",
  "storage.pubsub.topic",
  "storage.pubsub.kafka.bootstrap.servers",
  "signers.kms.kmsref",
  "signers.kms.auth.address",
  "signers.kms.auth.token",
  "signers.kms.auth.token-path",
  "signers.kms.auth.oidc.path",
  "signers.kms.auth.oidc.role",
  "signers.kms.auth.oidc.token-path",
  "signers.kms.auth.spire.sock",
  "signers.kms.auth.spire.audience",
  "signers.x509.fulcio.enabled",
  "signers.x509.fulcio.address",
  "signers.x509.fulcio.issuer",
  "signers.x509.fulcio.provider",
  "signers.x509.identity.token.file",
  "signers.x509.tuf.mirror.url",
  "transparency.enabled",
  "transparency.url",
  "builder.id",
  "builddefinition.buildtype",
  "filter.managed-by",
];

/** Values that hit the interesting branches: valid words, near-misses, set syntax and noise. */
const value = fc.oneof(
  fc.constantFrom("", " ", "true", "TRUE", "yes", "manual", "1", "in-toto", "slsa/v2alpha4", "tekton", "oci", "kafka"),
  fc.constantFrom("tekton,oci", "tekton,", "archivista", "none", "kms", "dsse", "inmemory", "simplesigning"),
  fc.string(),
);
const knownData = fc.dictionary(fc.constantFrom(...knownKeys), value);
const unknownData = fc.dictionary(
  fc.string().filter((key) => !knownKeys.includes(key)),
  fc.string(),
);

describe("parseChainsConfig properties", () => {
  // Parsing is total: any string map yields a Result, never an exception.
  it("never throws", () => {
    fc.assert(
      fc.property(fc.oneof(knownData, fc.dictionary(fc.string(), fc.string())), (data) => {
        const result = parseChainsConfig(data);
        expect(Result.isSuccess(result) || Result.isFailure(result)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  // Adding keys that chains-config does not define changes neither the outcome nor the parsed config.
  it("ignores unknown keys", () => {
    fc.assert(
      fc.property(knownData, unknownData, (known, unknown) => {
        expect(parseChainsConfig({ ...unknown, ...known })).toEqual(parseChainsConfig(known));
      }),
      { numRuns: 1000 },
    );
  });

  // A failure always names a key that was set, with the exact value that was set there.
  it("errors point at the offending key and value", () => {
    fc.assert(
      fc.property(knownData, (data) => {
        const result = parseChainsConfig(data);
        if (Result.isFailure(result)) {
          expect(data[result.failure.key]).toBe(result.failure.value);
          expect(result.failure.message).toContain(result.failure.key);
        }
      }),
      { numRuns: 2000 },
    );
  });

  // An artifact type is disabled exactly when its storage key is set to "".
  it("enabled follows the empty storage value only", () => {
    fc.assert(
      fc.property(knownData, (data) => {
        const result = parseChainsConfig(data);
        if (Result.isSuccess(result)) {
          const { artifacts } = result.success.config;
          for (const type of ["taskrun", "pipelinerun", "oci"] as const) {
            expect(artifacts[type].enabled).toBe(data[`artifacts.${type}.storage`] !== "");
            expect(artifacts[type].storage.length === 0).toBe(!artifacts[type].enabled);
          }
        }
      }),
      { numRuns: 2000 },
    );
  });
});
