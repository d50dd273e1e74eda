// The gcs backend through the official Cloud Storage client against a loopback JSON API server;
// objects are read back with the client itself and signatures checked with openssl.
import { Storage } from "@google-cloud/storage";
import { Result } from "effect";
import { OAuth2Client } from "google-auth-library";
import { afterAll, beforeAll, expect, it } from "vitest";
import { makeGcsArtifactStore } from "../../src/adapters/storage/gcs/gcs-artifact-store.ts";
import { parseEnvelope } from "../../src/domain/dsse/envelope.ts";
import { type GcsJsonApiServer, startGcsJsonApiServer } from "../support/gcs-json-api-server.ts";
import { describeWithTools, opensslVerifies } from "../support/independent-verifiers.ts";
import { pae } from "../oci-storage/oci-fixtures.ts";
import {
  attestation,
  configOf,
  imageSignature,
  outcomeOf,
  publicKeyPem,
  runOf,
  statementOf,
  storeWithLogs,
  tokenFile,
} from "./storage-fixtures.ts";

describeWithTools("openssl")("gcs artifact store (loopback Cloud Storage JSON API)", () => {
  let server: GcsJsonApiServer;
  let reader: Storage;
  beforeAll(async () => {
    server = await startGcsJsonApiServer();
    const auth = new OAuth2Client();
    auth.setCredentials({ access_token: server.tokens.issue() });
    reader = new Storage({ apiEndpoint: `http://${server.host}`, useAuthWithCustomEndpoint: true, authClient: auth });
  });
  afterAll(() => server.close());

  const storeFor = (bucket: string, env: Record<string, string> = {}) =>
    makeGcsArtifactStore({
      config: configOf({ "storage.gcs.bucket": bucket }),
      env: { STORAGE_EMULATOR_HOST: server.host, CLOUDSDK_AUTH_ACCESS_TOKEN_FILE: tokenFile(server.tokens.issue()), ...env },
    });
  const readBack = async (bucket: string, name: string) => (await reader.bucket(bucket).file(name).download({ validation: "md5" }))[0];

  it("writes signature, payload, cert and chain in that order with raw bytes; openssl verifies the read-back envelope", async () => {
    const run = runOf("TaskRun", "ns-a", "build-1");
    const artifact = attestation(statementOf("https://slsa.dev/provenance/v0.2", [{ name: "x", digest: { sha256: "ab".repeat(32) } }]));
    const { result } = await storeWithLogs(storeFor("provenance").store({ run, artifact }));
    expect(outcomeOf(result)).toBe("stored");
    const prefix = `provenance/taskrun-ns-a-build-1/${artifact.shortKey}`;
    expect(server.uploads.slice(-4)).toEqual([".signature", ".payload", ".cert", ".chain"].map((s) => `${prefix}${s}`));
    const stored = await readBack("provenance", `taskrun-ns-a-build-1/${artifact.shortKey}.signature`);
    expect(Buffer.compare(stored, Buffer.from(artifact.signature))).toBe(0);
    const envelope = Result.getOrThrow(parseEnvelope(stored.toString("utf8")));
    const signature = envelope.signatures[0]!.sig;
    expect(opensslVerifies({ publicKeyPem, scheme: "ecdsa-sha256", data: pae(envelope.payloadType, Buffer.from(envelope.payload)), signature })).toBe(true);
    expect((await readBack("provenance", `taskrun-ns-a-build-1/${artifact.shortKey}.payload`)).toString()).toBe(artifact.payload);
    // Written even when empty, as the reference does.
    expect((await readBack("provenance", `taskrun-ns-a-build-1/${artifact.shortKey}.cert`)).length).toBe(0);
    expect((await readBack("provenance", `taskrun-ns-a-build-1/${artifact.shortKey}.chain`)).length).toBe(0);
  });

  it("stores an image's raw signature under the PipelineRun prefix with a token from the metadata server", async () => {
    const run = runOf("PipelineRun", "ns-b", "release");
    const artifact = imageSignature("registry.example/app", "cd".repeat(32));
    const before = server.tokens.fromMetadata;
    const store = makeGcsArtifactStore({
      config: configOf({ "storage.gcs.bucket": "images" }),
      env: { STORAGE_EMULATOR_HOST: server.host, GCE_METADATA_HOST: server.host, HOME: "/nonexistent" },
    });
    expect(outcomeOf((await storeWithLogs(store.store({ run, artifact }))).result)).toBe("stored");
    expect(server.tokens.fromMetadata).toBe(before + 1);
    const signature = await readBack("images", `pipelinerun-ns-b-release/${artifact.shortKey}.signature`);
    expect(opensslVerifies({ publicKeyPem, scheme: "ecdsa-sha256", data: Buffer.from(artifact.payload), signature })).toBe(true);
  });

  it("fails the store when the server rejects a write or reports other bytes than were sent (defect #16)", async () => {
    const run = runOf("TaskRun", "ns-c", "flaky");
    const artifact = attestation(statementOf("https://slsa.dev/provenance/v0.2", [{ name: "x", digest: { sha256: "ef".repeat(32) } }]));
    server.failUploads(1, 503);
    const rejected = outcomeOf((await storeWithLogs(storeFor("flaky").store({ run, artifact }))).result);
    expect(rejected).toMatch(/gs:\/\/flaky\/taskrun-ns-c-flaky\/.*\.signature/);
    server.corruptUploads(1);
    const corrupted = outcomeOf((await storeWithLogs(storeFor("flaky").store({ run, artifact }))).result);
    expect(corrupted).toMatch(/gs:\/\/flaky\/.*\.signature failed/);
    expect(server.object("flaky", `taskrun-ns-c-flaky/${artifact.shortKey}.signature`)).toBeUndefined();
  });

  it("fails only itself, with a reason, without a bucket, without credentials, or with the server unreachable", async () => {
    const run = runOf("TaskRun", "ns-d", "unset");
    const artifact = attestation(statementOf("https://slsa.dev/provenance/v0.2", []));
    const noBucket = makeGcsArtifactStore({ config: configOf({}), env: { STORAGE_EMULATOR_HOST: server.host } });
    expect(outcomeOf((await storeWithLogs(noBucket.store({ run, artifact }))).result)).toMatch(/storage.gcs.bucket is not set/);
    const noCredentials = makeGcsArtifactStore({
      config: configOf({ "storage.gcs.bucket": "b" }),
      env: { STORAGE_EMULATOR_HOST: server.host, GCE_METADATA_HOST: "127.0.0.1:9", HOME: "/nonexistent" },
    });
    expect(outcomeOf((await storeWithLogs(noCredentials.store({ run, artifact }))).result)).toMatch(/no Google credentials/);
    const unreachable = storeFor("b", { STORAGE_EMULATOR_HOST: "127.0.0.1:9" });
    expect(outcomeOf((await storeWithLogs(unreachable.store({ run, artifact }))).result)).toMatch(/gs:\/\/b\/.*failed: .*ECONNREFUSED/);
  });
});
