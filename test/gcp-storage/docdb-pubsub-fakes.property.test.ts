// The docdb and pubsub backends on their in-memory fakes: record and message shapes, URL parsing,
// and the controller storing in tekton,docdb,pubsub with failures injected into either backend.
import { Effect, Result } from "effect";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../src/adapters/memory/manual-clock.ts";
import { makeDocdbArtifactStore } from "../../src/adapters/storage/docdb/docdb-artifact-store.ts";
import { InMemoryDocumentWriter } from "../../src/adapters/storage/docdb/in-memory-document-writer.ts";
import { InMemoryMessagePublisher } from "../../src/adapters/storage/pubsub/in-memory-message-publisher.ts";
import { makePubsubArtifactStore } from "../../src/adapters/storage/pubsub/pubsub-artifact-store.ts";
import { sampleRuns } from "../../src/app/demo/sample-runs.ts";
import { EmbeddedChains } from "../../src/app/harness/embedded-chains.ts";
import type { ChainsConfig } from "../../src/domain/config/chains-config.ts";
import { parseChainsConfig } from "../../src/domain/config/parse-chains-config.ts";
import { parseJsonText } from "../../src/domain/serialization/json-text.ts";
import { parseDocstoreUrl } from "../../src/domain/storage/docstore-url.ts";
import type { SignedArtifact } from "../../src/domain/signing-pass/signing-artifacts.ts";
import { advancing } from "../support/manual-time.ts";

const configOf = (data: Readonly<Record<string, string>>): ChainsConfig => {
  const parsed = parseChainsConfig(data);
  if (Result.isFailure(parsed)) throw new Error(String(parsed.failure));
  return parsed.success.config;
};

const segment = fc.stringMatching(/^[a-z][a-z0-9-]{0,15}$/);
const jsonPayload = fc.jsonValue().map((v) => JSON.stringify({ v }));
const artifactArb = fc.record({
  id: fc.string({ minLength: 1 }),
  shortKey: segment,
  payload: jsonPayload,
  signature: fc.uint8Array(),
  dsse: fc.boolean(),
  certificatePem: fc.string(),
  chainPem: fc.string(),
});
const asSigned = (a: unknown) => a as SignedArtifact;

describe("docdb and pubsub backends on their fakes", () => {
  // Any firestore:// collection URL names that project, database, collection and name_field.
  it("parses every firestore collection URL it is given", () => {
    fc.assert(
      fc.property(segment, segment, fc.array(segment, { minLength: 1, maxLength: 5 }), segment, (project, database, path, field) => {
        const collection = path.length % 2 === 1 ? path : path.slice(1);
        const url = `firestore://projects/${project}/databases/${database}/documents/${collection.join("/")}?name_field=${field}`;
        expect(parseDocstoreUrl(url)).toEqual(Result.succeed({ driver: "firestore", project, database, collection: collection.join("/"), nameField: field }));
      }),
    );
  });

  // Any dynamodb:// table URL names that table and partition key, and keeps region and endpoint.
  it("parses every dynamodb table URL it is given", () => {
    fc.assert(
      fc.property(segment, segment, fc.option(segment, { nil: undefined }), fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }), (table, key, region, port) => {
        const endpoint = port === undefined ? undefined : `http://127.0.0.1:${port}`;
        const query = [`partition_key=${key}`, ...(region === undefined ? [] : [`region=${region}`]), ...(endpoint === undefined ? [] : [`endpoint=${encodeURIComponent(endpoint)}`])];
        expect(parseDocstoreUrl(`dynamodb://${table}?${query.join("&")}`)).toEqual(
          Result.succeed({ driver: "dynamodb", table, partitionKey: key, ...(region === undefined ? {} : { region }), ...(endpoint === undefined ? {} : { endpoint }) }),
        );
      }),
    );
  });

  // Any URL of another scheme is refused with a reason naming the supported driver.
  it("refuses every other driver, naming the supported ones", () => {
    fc.assert(
      fc.property(fc.constantFrom("mongo", "mem", "s3", "http"), segment, (scheme, rest) => {
        const parsed = parseDocstoreUrl(`${scheme}://${rest}/x?name_field=name`);
        expect(Result.isFailure(parsed) && parsed.failure).toMatch(/supported drivers: firestore, dynamodb/);
      }),
    );
  });

  // Any stored artifact becomes the document named by its short key, with the spec's six fields.
  it("stores one document per artifact with the spec's fields", async () => {
    const config = configOf({ "storage.docdb.url": "firestore://projects/p/databases/(default)/documents/c?name_field=name" });
    const target = Result.getOrThrow(parseDocstoreUrl(config.storage.docdb.url));
    await fc.assert(
      fc.asyncProperty(artifactArb, async (artifact) => {
        const documents = new InMemoryDocumentWriter();
        await Effect.runPromise(makeDocdbArtifactStore({ config: () => config, documents }).store({ run: {} as never, artifact: asSigned(artifact) }));
        const record = documents.document(target, artifact.shortKey)!;
        expect(documents.size).toBe(1);
        expect(record.Name).toBe(artifact.shortKey);
        expect(new TextDecoder().decode(record.Signed)).toBe(artifact.payload);
        expect(Buffer.from(record.Signature, "base64").equals(Buffer.from(artifact.signature))).toBe(true);
        expect([record.Cert, record.Chain]).toEqual([artifact.certificatePem, artifact.chainPem]);
        expect(record.Object).toEqual(parseJsonText(artifact.payload));
      }),
    );
  });

  // Any stored artifact becomes one message on the topic: body = signature, metadata payload and signature.
  it("publishes one message per artifact", async () => {
    const config = configOf({ "storage.pubsub.provider": "inmemory", "storage.pubsub.topic": "signed" });
    await fc.assert(
      fc.asyncProperty(artifactArb, async (artifact) => {
        const inmemory = new InMemoryMessagePublisher();
        const store = makePubsubArtifactStore({ config: () => config, publishers: { inmemory, gcppubsub: new InMemoryMessagePublisher() } });
        await Effect.runPromise(store.store({ run: {} as never, artifact: asSigned(artifact) }));
        const [message, ...rest] = inmemory.messages("signed");
        expect(rest).toEqual([]);
        expect(Buffer.from(message!.body).equals(Buffer.from(artifact.signature))).toBe(true);
        expect(Buffer.from(message!.metadata.payload, "base64").toString("utf8")).toBe(artifact.payload);
        // A DSSE envelope is text; a raw signature travels as std base64 (an attribute is UTF-8).
        if (artifact.dsse) expect(message!.metadata.signature).toBe(new TextDecoder().decode(artifact.signature));
        else expect(Buffer.from(message!.metadata.signature, "base64").equals(Buffer.from(artifact.signature))).toBe(true);
      }),
    );
  });

  it("provider kafka and a missing provider or topic are failures that say what to set", async () => {
    const reasons = await Promise.all(
      ([{ "storage.pubsub.provider": "kafka", "storage.pubsub.topic": "t" }, { "storage.pubsub.topic": "t" }, { "storage.pubsub.provider": "gcppubsub" }] as ReadonlyArray<Record<string, string>>).map(async (data) => {
        const store = makePubsubArtifactStore({ config: () => configOf(data), publishers: { inmemory: new InMemoryMessagePublisher(), gcppubsub: new InMemoryMessagePublisher() } });
        const outcome = await Effect.runPromise(Effect.result(store.store({ run: {} as never, artifact: { id: "a", payload: "{}", signature: new Uint8Array(), dsse: true } as never })));
        return Result.isFailure(outcome) ? outcome.failure.reason : "stored";
      }),
    );
    expect(reasons).toEqual([
      expect.stringMatching(/provider kafka is not supported by chains-ts; use gcppubsub/),
      expect.stringMatching(/storage\.pubsub\.provider is not set/),
      expect.stringMatching(/storage\.pubsub\.topic is not set/),
    ]);
  });

  // For any number of failures (within the retry budget) injected into docdb and pubsub, the run is
  // signed with exactly one document and one message: a retry stores only where it failed.
  it("stores in tekton,docdb,pubsub once each, whatever fails in between", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 }), async (docdbFailures, pubsubFailures) => {
        const documents = new InMemoryDocumentWriter();
        const inmemory = new InMemoryMessagePublisher();
        documents.failNext(docdbFailures);
        inmemory.failNext(pubsubFailures);
        const clock = new ManualClock();
        const chains = await EmbeddedChains.start({
          clock,
          config: {
            "artifacts.taskrun.storage": "tekton,docdb,kafka",
            "artifacts.oci.storage": "",
            "storage.docdb.url": "firestore://projects/p/databases/(default)/documents/runs?name_field=name",
            "storage.pubsub.provider": "inmemory",
            "storage.pubsub.topic": "runs",
          },
          stores: [
            ({ config }) => makeDocdbArtifactStore({ config, documents }),
            ({ config }) => makePubsubArtifactStore({ config, publishers: { inmemory, gcppubsub: new InMemoryMessagePublisher() } }),
          ],
        });
        try {
          const ref = chains.createRun(sampleRuns().taskRuns[0]!);
          chains.completeRun(ref);
          expect(await advancing(clock, chains.awaitSigned(ref), "the run signed")).toBe("true");
          expect(documents.size).toBe(1);
          expect(inmemory.messages("runs")).toHaveLength(1);
          expect(chains.metrics.value("chains_ts_storage_errors_total", { backend: "docdb" })).toBe(docdbFailures);
          expect(chains.metrics.value("chains_ts_storage_errors_total", { backend: "pubsub" })).toBe(pubsubFailures);
          expect(chains.metrics.value("chains_ts_storage_stored_total", { backend: "docdb" })).toBe(1);
          expect(chains.metrics.value("chains_ts_storage_stored_total", { backend: "pubsub" })).toBe(1);
        } finally {
          await chains.stop();
        }
      }),
      { numRuns: 9 },
    );
  }, 60_000);
});
