// The docdb backend with a dynamodb:// URL against dynalite, a DynamoDB API server from npm (with
// the real API's validation), started in this process on 127.0.0.1. Items are read back with
// GetItem through the AWS SDK and the raw JSON API is not involved in writing them.
import { CreateTableCommand, DynamoDBClient, GetItemCommand } from "@aws-sdk/client-dynamodb";
import dynalite from "dynalite";
import { Effect, Result } from "effect";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeDocdbArtifactStore } from "../../src/adapters/storage/docdb/docdb-artifact-store.ts";
import { documentWriterByDriver } from "../../src/adapters/storage/docdb/document-writer.ts";
import { makeDynamoDbDocumentWriter } from "../../src/adapters/storage/docdb/dynamodb-document-writer.ts";
import { InMemoryDocumentWriter } from "../../src/adapters/storage/docdb/in-memory-document-writer.ts";
import type { ChainsConfig } from "../../src/domain/config/chains-config.ts";
import type { SignedArtifact } from "../../src/domain/signing-pass/signing-artifacts.ts";

const credentials = { AWS_ACCESS_KEY_ID: "test", AWS_SECRET_ACCESS_KEY: "test", AWS_REGION: "us-east-1" };

const configFor = (url: string) =>
  ({ storage: { docdb: { url, mongoServerUrl: "", mongoServerUrlDir: "", mongoServerUrlPath: "" } } }) as unknown as ChainsConfig;

const artifact = (n: number) =>
  ({
    id: "taskrun:taskrun-1234",
    shortKey: "taskrun-1234",
    payload: JSON.stringify({ _type: "https://in-toto.io/Statement/v0.1", predicate: { n, materials: [{ uri: "git+x" }], empty: "" } }),
    signature: new TextEncoder().encode(`{"payloadType":"x","signatures":[{"sig":"${n}"}]}`),
    certificatePem: "",
    chainPem: "",
    dsse: true,
  }) as unknown as SignedArtifact;

describe("docdb with dynamodb:// on dynalite", () => {
  let server: ReturnType<typeof dynalite>;
  let endpoint: string;
  let reader: DynamoDBClient;

  beforeAll(async () => {
    server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    reader = new DynamoDBClient({ endpoint, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" } });
    await reader.send(
      new CreateTableCommand({
        TableName: "chains-signed",
        KeySchema: [{ AttributeName: "name", KeyType: "HASH" }],
        AttributeDefinitions: [{ AttributeName: "name", AttributeType: "S" }],
        BillingMode: "PAY_PER_REQUEST",
      }),
    );
  });
  afterAll(async () => {
    reader?.destroy();
    await new Promise((resolve) => server?.close(resolve));
  });

  const storeWith = (url: string, env: Readonly<Record<string, string>> = credentials) => {
    const documents = documentWriterByDriver({ firestore: new InMemoryDocumentWriter(), dynamodb: makeDynamoDbDocumentWriter(env) });
    const store = makeDocdbArtifactStore({ config: () => configFor(url), documents, timeout: "10 seconds" });
    return {
      store: (n: number) => Effect.runPromise(Effect.result(store.store({ run: {} as never, artifact: artifact(n) }))),
      close: documents.close,
    };
  };

  it("upserts one item per object with the spec's fields, keyed by the table's partition key", async () => {
    const { store, close } = storeWith(`dynamodb://chains-signed?partition_key=name&endpoint=${encodeURIComponent(endpoint)}`);
    try {
      for (const n of [1, 2]) expect(Result.isSuccess(await store(n))).toBe(true);
      const item = (await reader.send(new GetItemCommand({ TableName: "chains-signed", Key: { name: { S: "taskrun-1234" } } }))).Item!;
      expect(Object.keys(item).sort()).toEqual(["Cert", "Chain", "Name", "Object", "Signature", "Signed", "name"]);
      expect(item["Name"]!.S).toBe("taskrun-1234");
      expect(Buffer.from(item["Signed"]!.B!).toString("utf8")).toBe(artifact(2).payload);
      expect(Buffer.from(item["Signature"]!.S!, "base64").toString("utf8")).toBe(new TextDecoder().decode(artifact(2).signature));
      expect(item["Object"]!.M!["predicate"]!.M!["n"]!.N).toBe("2");
      expect(item["Cert"]!.S).toBe("");
    } finally {
      await close();
    }
  });

  it("a table that does not exist is a failure naming it; a closed port is one too", async () => {
    const missing = storeWith(`dynamodb://no-such-table?partition_key=name&endpoint=${encodeURIComponent(endpoint)}`);
    const closed = storeWith("dynamodb://chains-signed?partition_key=name&endpoint=http%3A%2F%2F127.0.0.1%3A9");
    try {
      const absent = await missing.store(1);
      expect(Result.isFailure(absent) && absent.failure.reason).toMatch(/could not store document taskrun-1234 in dynamodb:\/\/no-such-table: .*(not found|ResourceNotFound)/i);
      const refused = await closed.store(1);
      expect(Result.isFailure(refused) && refused.failure.reason).toMatch(/could not store document taskrun-1234 in dynamodb:\/\/chains-signed: /);
    } finally {
      await Promise.all([missing.close(), closed.close()]);
    }
  });
});
