// The grafeas backend against a loopback Container Analysis REST server; what it recorded is read
// back through the API's occurrence list and the signatures in it checked with openssl.
import { Result } from "effect";
import { afterAll, beforeAll, expect, it } from "vitest";
import { makeGrafeasArtifactStore } from "../../src/adapters/storage/grafeas/grafeas-artifact-store.ts";
import { parseEnvelope } from "../../src/domain/dsse/envelope.ts";
import type { StorageFailed } from "../../src/ports/artifact-store.ts";
import { type GrafeasApiServer, type JsonObject, startGrafeasApiServer } from "../support/grafeas-api-server.ts";
import { describeWithTools, opensslVerifies } from "../support/independent-verifiers.ts";
import { pae } from "../oci-storage/oci-fixtures.ts";
import {
  attestation,
  configOf,
  imageSignature,
  KEY_ID,
  outcomeOf,
  publicKeyPem,
  runOf,
  statementOf,
  storeWithLogs,
  tokenFile,
} from "./storage-fixtures.ts";

const fromB64 = (text: unknown) => Buffer.from(String(text), "base64");
const path = (value: unknown, ...keys: ReadonlyArray<string | number>): unknown =>
  keys.reduce<unknown>((at, key) => (at as Record<string | number, unknown> | undefined)?.[key], value);

describeWithTools("openssl")("grafeas artifact store (loopback Container Analysis REST API)", () => {
  let server: GrafeasApiServer;
  let reader: string;
  beforeAll(async () => {
    server = await startGrafeasApiServer();
    reader = server.tokens.issue();
  });
  afterAll(() => server.close());

  const storeFor = (data: Readonly<Record<string, string>>, env: Record<string, string> = {}) =>
    makeGrafeasArtifactStore({
      config: configOf(data),
      env: {
        CLOUDSDK_API_ENDPOINT_OVERRIDES_CONTAINERANALYSIS: server.endpoint,
        CLOUDSDK_AUTH_ACCESS_TOKEN_FILE: tokenFile(server.tokens.issue()),
        ...env,
      },
    });
  const occurrencesOf = async (project: string, noteId: string) =>
    (await server.listOccurrences(project, reader)).filter((o) => o["noteName"] === `projects/${project}/notes/${noteId}`);

  it("records an image signature as an ATTESTATION occurrence whose signature openssl verifies", async () => {
    const artifact = imageSignature("registry.example/app", "ab".repeat(32));
    const store = storeFor({ "storage.grafeas.projectid": "p-simple", "storage.grafeas.notehint": "signed by chains-ts tests" });
    expect(outcomeOf((await storeWithLogs(store.store({ run: runOf("TaskRun", "team-a", "build"), artifact }))).result)).toBe("stored");
    const note = server.notes.get("projects/p-simple/notes/tekton-team-a-simplesigning");
    expect(note?.["kind"]).toBe("ATTESTATION");
    expect(path(note, "attestation", "hint", "humanReadableName")).toBe("signed by chains-ts tests");
    const [occurrence, ...others] = await occurrencesOf("p-simple", "tekton-team-a-simplesigning");
    expect(others).toEqual([]);
    expect(occurrence?.["resourceUri"]).toBe(artifact.fullKey);
    const payload = fromB64(path(occurrence, "attestation", "serializedPayload"));
    expect(payload.toString()).toBe(artifact.payload);
    expect(path(occurrence, "attestation", "signatures", 0, "publicKeyId")).toBe(KEY_ID);
    const signature = fromB64(path(occurrence, "attestation", "signatures", 0, "signature"));
    expect(opensslVerifies({ publicKeyPem, scheme: "ecdsa-sha256", data: payload, signature })).toBe(true);
    expect(path(occurrence, "envelope", "payloadType")).toBe("application/vnd.dev.cosign.simplesigning.v1+json");
  });

  it("records SLSA v0.2 provenance as one BUILD occurrence per subject digest, with the DSSE keyid and a verifiable envelope", async () => {
    const predicate = { builder: { id: "https://tekton.dev/chains/v2" }, buildType: "tekton.dev/v1beta1/TaskRun" };
    const subjects: ReadonlyArray<{ name: string; digest: Record<string, string> }> = [
      { name: "registry.example/one", digest: { sha256: "11".repeat(32) } },
      { name: "registry.example/two", digest: { sha256: "22".repeat(32), sha512: "33".repeat(64) } },
    ];
    const artifact = attestation(statementOf("https://slsa.dev/provenance/v0.2", subjects, predicate));
    const store = storeFor({ "storage.grafeas.projectid": "p-slsa" });
    expect(outcomeOf((await storeWithLogs(store.store({ run: runOf("TaskRun", "team-b", "build"), artifact }))).result)).toBe("stored");
    const noteId = "tekton-team-b-taskrun-intoto";
    expect(server.notes.get(`projects/p-slsa/notes/${noteId}`)?.["kind"]).toBe("BUILD");
    expect(path(server.notes.get(`projects/p-slsa/notes/${noteId}`), "build", "builderVersion")).toBe("tekton.dev/v1/TaskRun");
    const occurrences = await occurrencesOf("p-slsa", noteId);
    expect(occurrences.map((o) => o["resourceUri"])).toEqual(
      subjects.flatMap((s) => Object.entries(s.digest).map(([alg, hex]) => `${s.name}@${alg}:${hex}`)),
    );
    for (const occurrence of occurrences) {
      expect(path(occurrence, "build", "intotoStatement", "slsaProvenanceZeroTwo")).toEqual(predicate);
      expect(path(occurrence, "envelope", "signatures", 0, "keyid")).toBe(KEY_ID);
      const envelope = Result.getOrThrow(parseEnvelope(fromB64(path(occurrence, "envelope", "signatures", 0, "sig")).toString()));
      expect(Buffer.from(envelope.payload).toString()).toBe(artifact.payload);
      const data = pae(envelope.payloadType, Buffer.from(envelope.payload));
      expect(opensslVerifies({ publicKeyPem, scheme: "ecdsa-sha256", data, signature: envelope.signatures[0]!.sig })).toBe(true);
    }
  });

  it("keeps a SLSA v1.0 predicate and labels PipelineRun notes as such (defect #20)", async () => {
    const predicate = { buildDefinition: { buildType: "https://tekton.dev/chains/v2/slsa" }, runDetails: { builder: { id: "b" } } };
    const artifact = attestation(
      statementOf("https://slsa.dev/provenance/v1", [{ name: "registry.example/p", digest: { sha256: "44".repeat(32) } }], predicate),
      { artifact: "pipelinerun", format: "slsa/v2alpha4" },
    );
    const store = storeFor({ "storage.grafeas.projectid": "p-v1" });
    expect(outcomeOf((await storeWithLogs(store.store({ run: runOf("PipelineRun", "team-c", "rel"), artifact }))).result)).toBe("stored");
    const note = server.notes.get("projects/p-v1/notes/tekton-team-c-pipelinerun-intoto");
    expect(note?.["shortDescription"]).toBe("Build Provenance Note for PipelineRun");
    expect(path(note, "build", "builderVersion")).toBe("tekton.dev/v1/PipelineRun");
    const [occurrence] = await occurrencesOf("p-v1", "tekton-team-c-pipelinerun-intoto");
    expect(path(occurrence, "build", "inTotoSlsaProvenanceV1", "predicate")).toEqual(predicate);
  });

  it("derives the note id from each object's own namespace, and uses a configured one for all (defect #6)", async () => {
    const derived = storeFor({ "storage.grafeas.projectid": "p-ns" });
    const configured = storeFor({ "storage.grafeas.projectid": "p-ns", "storage.grafeas.noteid": "fixed" });
    const artifact = imageSignature("registry.example/ns", "55".repeat(32));
    for (const namespace of ["first", "second"]) {
      await storeWithLogs(derived.store({ run: runOf("TaskRun", namespace, "r"), artifact }));
      await storeWithLogs(configured.store({ run: runOf("TaskRun", namespace, "r"), artifact }));
    }
    expect([...server.notes.keys()].filter((name) => name.startsWith("projects/p-ns/")).sort()).toEqual([
      "projects/p-ns/notes/fixed-simplesigning",
      "projects/p-ns/notes/tekton-first-simplesigning",
      "projects/p-ns/notes/tekton-second-simplesigning",
    ]);
    expect(await occurrencesOf("p-ns", "fixed-simplesigning")).toHaveLength(2);
  });

  it("creates on retry only the occurrences that failed (defect #11)", async () => {
    const subjects = ["a", "b", "c"].map((n) => ({ name: `registry.example/${n}`, digest: { sha256: n.repeat(64) } }));
    const artifact = attestation(statementOf("https://slsa.dev/provenance/v0.2", subjects));
    const store = storeFor({ "storage.grafeas.projectid": "p-retry" });
    const run = runOf("TaskRun", "team-r", "build");
    server.failOccurrences(1, 1);
    expect(outcomeOf((await storeWithLogs(store.store({ run, artifact }))).result)).toMatch(/registry.example\/b@sha256.*503/);
    expect(outcomeOf((await storeWithLogs(store.store({ run, artifact }))).result)).toBe("stored");
    const uris = (await occurrencesOf("p-retry", "tekton-team-r-taskrun-intoto")).map((o) => o["resourceUri"]);
    expect(uris.sort()).toEqual(subjects.map((s) => `${s.name}@sha256:${s.digest.sha256}`).sort());
  });

  it("fails with a reason, only itself: no project, an unsupported format (permanently), an unreachable endpoint, no credentials", async () => {
    const run = runOf("TaskRun", "team-f", "build");
    const artifact = imageSignature("registry.example/f", "66".repeat(32));
    const failureOf = async (store: ReturnType<typeof storeFor>, a = artifact) => {
      const { result } = await storeWithLogs(store.store({ run, artifact: a }));
      return Result.isFailure(result) ? (result.failure as StorageFailed) : undefined;
    };
    expect((await failureOf(storeFor({})))?.reason).toMatch(/storage.grafeas.projectid is not set/);
    const tekton = await failureOf(storeFor({ "storage.grafeas.projectid": "p" }), attestation("{}", { format: "tekton" }));
    expect(tekton?.reason).toMatch(/format 'tekton'/);
    expect(tekton?.permanent).toBe(true);
    const unreachable = await failureOf(
      storeFor({ "storage.grafeas.projectid": "p" }, { CLOUDSDK_API_ENDPOINT_OVERRIDES_CONTAINERANALYSIS: "http://127.0.0.1:9/" }),
    );
    expect(unreachable?.reason).toMatch(/creating note .*127\.0\.0\.1:9/);
    expect(unreachable?.permanent).toBeUndefined();
    const anonymous = makeGrafeasArtifactStore({
      config: configOf({ "storage.grafeas.projectid": "p" }),
      env: { CLOUDSDK_API_ENDPOINT_OVERRIDES_CONTAINERANALYSIS: server.endpoint, GCE_METADATA_HOST: "127.0.0.1:9", HOME: "/nonexistent" },
    });
    expect((await failureOf(anonymous))?.reason).toMatch(/no Google credentials/);
  });

  it("authenticates with a token from the metadata server", async () => {
    const before = server.tokens.fromMetadata;
    const store = makeGrafeasArtifactStore({
      config: configOf({ "storage.grafeas.projectid": "p-md" }),
      env: { CLOUDSDK_API_ENDPOINT_OVERRIDES_CONTAINERANALYSIS: server.endpoint, GCE_METADATA_HOST: server.host, HOME: "/nonexistent" },
    });
    const artifact = imageSignature("registry.example/md", "77".repeat(32));
    expect(outcomeOf((await storeWithLogs(store.store({ run: runOf("TaskRun", "md", "r"), artifact }))).result)).toBe("stored");
    expect(server.tokens.fromMetadata).toBe(before + 1);
  });
});
