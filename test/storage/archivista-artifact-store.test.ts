// The archivista backend against a loopback Archivista; the uploaded envelope is downloaded again
// and its signature checked with openssl.
import { Result } from "effect";
import { afterAll, beforeAll, expect, it } from "vitest";
import { makeArchivistaArtifactStore } from "../../src/adapters/storage/archivista/archivista-artifact-store.ts";
import { parseChainsConfig } from "../../src/domain/config/parse-chains-config.ts";
import { parseEnvelope } from "../../src/domain/dsse/envelope.ts";
import type { StorageFailed } from "../../src/ports/artifact-store.ts";
import { type ArchivistaServer, startArchivistaServer } from "../support/archivista-server.ts";
import { describeWithTools, opensslVerifies } from "../support/independent-verifiers.ts";
import { pae } from "../oci-storage/oci-fixtures.ts";
import { attestation, configOf, imageSignature, outcomeOf, publicKeyPem, runOf, statementOf, storeWithLogs } from "./storage-fixtures.ts";

describeWithTools("openssl")("archivista artifact store (loopback Archivista)", () => {
  let server: ArchivistaServer;
  beforeAll(async () => {
    server = await startArchivistaServer();
  });
  afterAll(() => server.close());

  const run = runOf("TaskRun", "ns", "build");
  const artifact = attestation(statementOf("https://slsa.dev/provenance/v0.2", [{ name: "x", digest: { sha256: "ab".repeat(32) } }]));
  const failureOf = async (url: string, a = artifact) => {
    const { result } = await storeWithLogs(makeArchivistaArtifactStore({ config: configOf({ "storage.archivista.url": url }) }).store({ run, artifact: a }));
    return Result.isFailure(result) ? (result.failure as StorageFailed) : undefined;
  };

  it("uploads the envelope as go-witness serialises it, logs the gitoid, and the download verifies with openssl", async () => {
    const store = makeArchivistaArtifactStore({ config: configOf({ "storage.archivista.url": `${server.url}/` }) });
    const { result, lines } = await storeWithLogs(store.store({ run, artifact }));
    expect(outcomeOf(result)).toBe("stored");
    const upload = server.uploads.at(-1)!;
    expect(upload.contentType).toBe("application/json");
    expect(lines.some((line) => line.includes(upload.gitoid) && line.includes(artifact.id))).toBe(true);
    const downloaded = await (await fetch(`${server.url}/download/${encodeURIComponent(upload.gitoid)}`)).text();
    expect(Object.keys(JSON.parse(downloaded) as object)).toEqual(["payload", "payloadType", "signatures"]);
    const envelope = Result.getOrThrow(parseEnvelope(downloaded));
    expect(Buffer.from(envelope.payload).toString()).toBe(artifact.payload);
    const data = pae(envelope.payloadType, Buffer.from(envelope.payload));
    expect(opensslVerifies({ publicKeyPem, scheme: "ecdsa-sha256", data, signature: envelope.signatures[0]!.sig })).toBe(true);
  });

  it("refuses an image's raw signature permanently, before any upload", async () => {
    const before = server.uploads.length;
    const failure = await failureOf(server.url, imageSignature("registry.example/app", "cd".repeat(32)));
    expect(failure?.reason).toMatch(/DSSE envelopes only/);
    expect(failure?.permanent).toBe(true);
    expect(server.uploads.length).toBe(before);
  });

  it("fails (to be retried) with a reason for a blank or bad URL, an unreachable server, or a server error", async () => {
    expect((await failureOf(""))?.reason).toMatch(/storage.archivista.url is not set/);
    expect((await failureOf("ftp://archivista.example"))?.reason).toMatch(/not an http\(s\) URL/);
    expect((await failureOf("not a url"))?.reason).toMatch(/not an http\(s\) URL/);
    const unreachable = await failureOf("http://127.0.0.1:9");
    expect(unreachable?.reason).toMatch(/upload failed: .*127\.0\.0\.1:9\/upload/);
    expect(unreachable?.permanent).toBeUndefined();
    server.failUploads(1);
    expect((await failureOf(server.url))?.reason).toMatch(/HTTP 500: injected upload failure/);
  });

  it("is rejected for artifacts.oci.storage at config time, naming the key (defect #21)", () => {
    const parsed = parseChainsConfig({ "artifacts.oci.storage": "oci,archivista" });
    expect(Result.isFailure(parsed) ? JSON.stringify(parsed.failure) : "accepted").toMatch(/artifacts\.oci\.storage/);
    expect(Result.isSuccess(parseChainsConfig({ "artifacts.taskrun.storage": "archivista" }))).toBe(true);
  });
});
