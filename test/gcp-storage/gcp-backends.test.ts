// The docdb (Firestore) and pubsub (gcppubsub) backends against the real Cloud Firestore and Pub/Sub
// emulators of the Google Cloud SDK, started once for this file. What they hold is read back through
// the emulators' REST APIs (not our client), and signatures are checked with openssl. Then the real
// controller on the Kubernetes API emulator with `tekton,docdb,pubsub`: one verifying document and
// one message per signed run; a bad URL is a retried failure with an Event, and the retry stores
// only where it failed. The `chains-ts controller` command itself is run once with
// FIRESTORE_EMULATOR_HOST and PUBSUB_EMULATOR_HOST, as a user would point it at the emulators.
import { spawn } from "node:child_process";
import { createHash, generateKeyPairSync } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { completeRun } from "../../src/adapters/memory/run-completion-mutation.ts";
import type { RunJson } from "../../src/adapters/memory/run-json.ts";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { makeDocdbArtifactStore } from "../../src/adapters/storage/docdb/docdb-artifact-store.ts";
import { documentWriterByDriver } from "../../src/adapters/storage/docdb/document-writer.ts";
import { makeDynamoDbDocumentWriter } from "../../src/adapters/storage/docdb/dynamodb-document-writer.ts";
import { makeFirestoreDocumentWriter as firestoreWriter } from "../../src/adapters/storage/docdb/firestore-document-writer.ts";
import { makeGooglePubsubPublisher } from "../../src/adapters/storage/pubsub/google-pubsub-publisher.ts";
import { InMemoryMessagePublisher } from "../../src/adapters/storage/pubsub/in-memory-message-publisher.ts";
import { makePubsubArtifactStore } from "../../src/adapters/storage/pubsub/pubsub-artifact-store.ts";
import type { ChainsConfig } from "../../src/domain/config/chains-config.ts";
import { preAuthEncoding } from "../../src/domain/dsse/pae.ts";
import { EmulatedChains, plainTaskRun } from "../kubernetes/emulated-chains.ts";
import { until } from "../support/until.ts";
import { startKubeApiEmulator } from "../support/kube-api-emulator/index.ts";
import { type RunningEmulator, googleEmulatorsUnavailable, startGoogleEmulator } from "../support/google-emulators.ts";
import { opensslVerifies } from "../support/independent-verifiers.ts";

const missing = googleEmulatorsUnavailable("firestore", "pubsub");
if (missing !== undefined) console.warn(`skipping the Firestore/Pub/Sub backend tests: ${missing}`);

const PROJECT = "chains-test";

/** The Firestore writer behind the driver router, as the controller composes it. */
const makeFirestoreDocumentWriter = (env: Readonly<Record<string, string>>) =>
  documentWriterByDriver({ firestore: firestoreWriter(env), dynamodb: makeDynamoDbDocumentWriter({}) });

interface FirestoreValue {
  readonly stringValue?: string;
  readonly bytesValue?: string;
  readonly mapValue?: { readonly fields?: Record<string, FirestoreValue> };
}

/** One document as the emulator's REST API returns it, or undefined when there is none. */
const readDocument = async (host: string, collection: string, name: string): Promise<Record<string, FirestoreValue> | undefined> => {
  const response = await fetch(`http://${host}/v1/projects/${PROJECT}/databases/(default)/documents/${collection}/${name}`, {
    headers: { authorization: "Bearer owner" },
  });
  if (response.status === 404) return undefined;
  expect(response.status).toBe(200);
  return ((await response.json()) as { fields: Record<string, FirestoreValue> }).fields;
};

const listDocuments = async (host: string, collection: string): Promise<ReadonlyArray<string>> => {
  const response = await fetch(`http://${host}/v1/projects/${PROJECT}/databases/(default)/documents/${collection}`, {
    headers: { authorization: "Bearer owner" },
  });
  const body = (await response.json()) as { documents?: Array<{ name: string }> };
  return (body.documents ?? []).map((d) => d.name.split("/").pop()!);
};

interface PulledMessage {
  readonly data: Uint8Array;
  readonly attributes: Record<string, string>;
}

/** A topic and a subscription to it, made through the emulator's REST API before anything is published. */
const subscribedTopic = async (host: string, topic: string) => {
  const base = `http://${host}/v1/projects/${PROJECT}`;
  expect((await fetch(`${base}/topics/${topic}`, { method: "PUT" })).status).toBe(200);
  const subscription = `${base}/subscriptions/${topic}-reader`;
  const created = await fetch(subscription, {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ topic: `projects/${PROJECT}/topics/${topic}` }),
  });
  expect(created.status).toBe(200);
  return {
    name: `projects/${PROJECT}/topics/${topic}`,
    pull: async (): Promise<ReadonlyArray<PulledMessage>> => {
      const response = await fetch(`${subscription}:pull`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ maxMessages: 100, returnImmediately: true }),
      });
      const body = (await response.json()) as { receivedMessages?: Array<{ ackId: string; message: { data?: string; attributes?: Record<string, string> } }> };
      const received = body.receivedMessages ?? [];
      if (received.length > 0)
        await fetch(`${subscription}:acknowledge`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ ackIds: received.map((r) => r.ackId) }),
        });
      return received.map((r) => ({ data: Buffer.from(r.message.data ?? "", "base64"), attributes: r.message.attributes ?? {} }));
    },
  };
};

/**
 * Pulls until `count` messages arrived (the emulator may deliver in several pulls), then until a
 * pull comes back empty. Callers pull once the run is signed, after every publish of its passes
 * returned, so an empty pull shows that no further message was sent.
 */
const pullAll = async (pull: () => Promise<ReadonlyArray<PulledMessage>>, count: number): Promise<Array<PulledMessage>> => {
  const all: Array<PulledMessage> = [];
  await until(async () => all.push(...(await pull())) >= count, `${count} Pub/Sub messages`);
  for (let pulled = await pull(); pulled.length > 0; pulled = await pull()) all.push(...pulled);
  return all;
};

const configWith = (storage: { docdbUrl?: string; provider?: ChainsConfig["storage"]["pubsub"]["provider"]; topic?: string }) =>
  ({
    storage: {
      docdb: { url: storage.docdbUrl ?? "", mongoServerUrl: "", mongoServerUrlDir: "", mongoServerUrlPath: "" },
      pubsub: { provider: storage.provider ?? "", topic: storage.topic ?? "", kafkaBootstrapServers: "" },
    },
  }) as unknown as ChainsConfig;

describe.skipIf(missing !== undefined)("docdb and pubsub on the real Firestore and Pub/Sub emulators", () => {
  let firestore: RunningEmulator;
  let pubsub: RunningEmulator;
  const env = () => ({ FIRESTORE_EMULATOR_HOST: firestore.host, PUBSUB_EMULATOR_HOST: pubsub.host });

  beforeAll(async () => {
    [firestore, pubsub] = await Promise.all([startGoogleEmulator("firestore"), startGoogleEmulator("pubsub")]);
  }, 240_000);
  afterAll(async () => {
    await Promise.all([firestore?.stop(), pubsub?.stop()]);
  });

  describe("the controller on the Kubernetes API emulator with tekton,docdb,pubsub", () => {
    let chains: EmulatedChains | undefined;
    const closers: Array<() => Promise<void>> = [];
    afterEach(async () => {
      await chains?.stop();
      chains = undefined;
      await Promise.all(closers.splice(0).map((close) => close()));
    });

    const start = async (config: Readonly<Record<string, string>>, timing?: { retryDelayMs: number; maxRetryDelayMs: number; childWaitMs: number }) => {
      const documents = makeFirestoreDocumentWriter(env());
      const publisher = makeGooglePubsubPublisher(env());
      closers.push(documents.close, publisher.close);
      chains = await EmulatedChains.create({
        config: { "artifacts.taskrun.storage": "tekton,docdb,pubsub", "storage.pubsub.provider": "gcppubsub", ...config },
        stores: [
          ({ config: current }) => makeDocdbArtifactStore({ config: current, documents, timeout: "10 seconds" }),
          ({ config: current }) =>
            makePubsubArtifactStore({ config: current, publishers: { inmemory: new InMemoryMessagePublisher(), gcppubsub: publisher }, timeout: "10 seconds" }),
        ],
        ...(timing === undefined ? {} : { controller: { timing } }),
      });
      await chains.startController();
      return chains;
    };

    const uidOf = (c: EmulatedChains, name: string) => (c.get("taskruns", name)!["metadata"] as { uid: string }).uid;

    /** The run's Firestore document: its fields are the spec's, and its signature verifies with openssl. */
    const expectVerifyingDocument = async (c: EmulatedChains, collection: string, name: string) => {
      const key = `taskrun-${uidOf(c, name)}`;
      const fields = (await readDocument(firestore.host, collection, key))!;
      expect(Object.keys(fields).sort()).toEqual(["Cert", "Chain", "Name", "Object", "Signature", "Signed"]);
      expect(fields["Name"]!.stringValue).toBe(key);
      const payload = Buffer.from(fields["Signed"]!.bytesValue!, "base64");
      const envelope = JSON.parse(Buffer.from(fields["Signature"]!.stringValue!, "base64").toString("utf8")) as {
        payload: string;
        payloadType: string;
        signatures: Array<{ sig: string }>;
      };
      expect(Buffer.from(envelope.payload, "base64").equals(payload)).toBe(true);
      expect(fields["Object"]!.mapValue!.fields!["_type"]!.stringValue).toBe(JSON.parse(payload.toString("utf8"))._type);
      expect(
        opensslVerifies({
          publicKeyPem: c.publicKeyPem,
          scheme: "ecdsa-sha256",
          data: preAuthEncoding(envelope.payloadType, payload),
          signature: Buffer.from(envelope.signatures[0]!.sig, "base64"),
        }),
      ).toBe(true);
      return { payload, signature: Buffer.from(fields["Signature"]!.stringValue!, "base64") };
    };

    it("every signed run has one Firestore document whose signature verifies, and one Pub/Sub message", async () => {
      const topic = await subscribedTopic(pubsub.host, "signed-runs");
      const c = await start({
        "storage.docdb.url": `firestore://projects/${PROJECT}/databases/(default)/documents/signed-runs?name_field=name`,
        "storage.pubsub.topic": topic.name,
      });
      const names = ["docs-a", "docs-b"];
      for (const name of names) {
        c.emu.store.seed(plainTaskRun(name));
        c.complete("taskruns", name);
      }
      for (const name of names) expect(await c.awaitSigned("taskruns", name, undefined, 60_000)).toBe("true");
      for (const name of names) expect(c.provenanceVerifies("taskruns", name)).toBe(true);

      const stored = await Promise.all(names.map((name) => expectVerifyingDocument(c, "signed-runs", name)));
      expect([...(await listDocuments(firestore.host, "signed-runs"))].sort()).toEqual(names.map((n) => `taskrun-${uidOf(c, n)}`).sort());

      const messages = await pullAll(topic.pull, names.length);
      expect(messages).toHaveLength(names.length);
      for (const { payload, signature } of stored) {
        const message = messages.find((m) => Buffer.from(m.data).equals(signature));
        expect(message, "a message whose body is the run's signature").toBeDefined();
        expect(message!.attributes).toEqual({ payload: payload.toString("base64"), signature: signature.toString("utf8") });
      }
      expect(c.metrics.value("chains_ts_storage_stored_total", { backend: "docdb" })).toBe(names.length);
      expect(c.metrics.value("chains_ts_storage_stored_total", { backend: "pubsub" })).toBe(names.length);
    }, 180_000);

    it("a bad docdb URL: a retried failure with an Event, not signed; after the fix only docdb is stored again", async () => {
      const topic = await subscribedTopic(pubsub.host, "retried-runs");
      const c = await start(
        { "storage.docdb.url": `firestore://projects/${PROJECT}/databases/(default)/documents/retried`, "storage.pubsub.topic": topic.name },
        { retryDelayMs: 1_500, maxRetryDelayMs: 1_500, childWaitMs: 2_000 },
      );
      c.emu.store.seed(plainTaskRun("bad-url"));
      c.complete("taskruns", "bad-url");
      await until(() => c.emu.store.list("events", "default").some((e) => (e as { reason?: string }).reason === "SigningRetry"), "a SigningRetry Event", 60_000);
      const event = (c.emu.store.list("events", "default") as Array<{ reason: string; message: string }>).find((e) => e.reason === "SigningRetry")!;
      expect(event.message).toMatch(/docdb: storage\.docdb\.url "firestore:[^"]*" has no name_field; add \?name_field=name/);
      expect(c.annotations("taskruns", "bad-url")["chains.tekton.dev/signed"]).not.toBe("true");
      expect(c.metrics.value("chains_ts_storage_errors_total", { backend: "docdb" })).toBeGreaterThan(0);

      // The URL is read on every store: a fixed ConfigMap applies without a restart.
      c.emu.store.modify("configmaps", "tekton-chains", "chains-config", (cm) => {
        (cm["data"] as Record<string, string>)["storage.docdb.url"] = `firestore://projects/${PROJECT}/databases/(default)/documents/retried?name_field=name`;
      });
      expect(await c.awaitSigned("taskruns", "bad-url", undefined, 60_000)).toBe("true");
      await expectVerifyingDocument(c, "retried", "bad-url");
      // Pub/Sub publishes are not idempotent: the retries after the first pass did not publish again.
      const messages = await pullAll(topic.pull, 1);
      expect(messages).toHaveLength(1);
    }, 180_000);

    it("an unreachable Firestore: a retried failure naming the server, never signed", async () => {
      const topic = await subscribedTopic(pubsub.host, "unreachable-runs");
      const documents = makeFirestoreDocumentWriter({ FIRESTORE_EMULATOR_HOST: "127.0.0.1:9" });
      closers.push(documents.close);
      chains = await EmulatedChains.create({
        config: {
          "artifacts.taskrun.storage": "tekton,docdb,pubsub",
          "storage.docdb.url": `firestore://projects/${PROJECT}/databases/(default)/documents/unreachable?name_field=name`,
          "storage.pubsub.provider": "inmemory",
          "storage.pubsub.topic": topic.name,
        },
        // Each pass waits out the timeout (the client keeps retrying a refused connection): kept short.
        stores: [({ config: current }) => makeDocdbArtifactStore({ config: current, documents, timeout: "1 second" })],
      });
      await chains.startController();
      chains.emu.store.seed(plainTaskRun("unreachable"));
      chains.complete("taskruns", "unreachable");
      expect(await chains.awaitSigned("taskruns", "unreachable", undefined, 120_000)).toBe("failed");
      const events = chains.emu.store.list("events", "default") as Array<{ reason: string; message: string }>;
      expect(events.find((e) => e.reason === "SigningRetry")!.message).toMatch(/docdb: could not store document taskrun-[0-9a-f-]+ in firestore:\/\/projects\/chains-test\/databases\/\(default\)\/documents\/unreachable: (no answer in time|.*UNAVAILABLE)/);
      expect(JSON.stringify(chains.runWrites("taskruns", "unreachable"))).not.toContain('"chains.tekton.dev/signed":"true"');
    }, 180_000);
  });

  it("chains-ts controller (the command) stores in tekton,docdb,pubsub, pointed at the emulators by their env variables", async () => {
    const topic = await subscribedTopic(pubsub.host, "command-runs");
    const emu = await startKubeApiEmulator({ bookmarkIntervalMs: 200 });
    const dir = await mkdtemp(join(tmpdir(), "chains-gcp-command-"));
    const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const child = await (async () => {
      emu.store.seed({
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: "chains-config", namespace: "tekton-chains" },
        data: {
          "artifacts.taskrun.storage": "tekton,docdb,pubsub",
          "storage.docdb.url": `firestore://projects/${PROJECT}/databases/(default)/documents/command-runs?name_field=name`,
          "storage.pubsub.provider": "gcppubsub",
          "storage.pubsub.topic": topic.name,
        },
      });
      await mkdir(join(dir, "secrets"));
      await writeFile(join(dir, "secrets", "x509.pem"), privateKey.export({ type: "pkcs8", format: "pem" }).toString());
      const kubeconfig = await emu.writeKubeconfig(dir);
      return spawn(
        new URL("../../bin/chains-ts", import.meta.url).pathname,
        ["controller", "--health-port", "0", "--metrics-port", "0", "--kubeconfig", kubeconfig, "--signing-secrets", join(dir, "secrets")],
        { env: { ...process.env, ...env(), SYSTEM_NAMESPACE: "tekton-chains", KUBECONFIG: "" }, stdio: ["ignore", "ignore", "inherit"] },
      );
    })();
    try {
      emu.store.seed(plainTaskRun("by-command"));
      emu.store.modify("taskruns", "default", "by-command", (o) => completeRun("True", new Date())(o as unknown as RunJson));
      const metadata = () => emu.store.get("taskruns", "default", "by-command")?.["metadata"] as { uid: string; annotations?: Record<string, string> };
      await until(() => metadata().annotations?.["chains.tekton.dev/signed"] === "true", "the run signed by the command", 90_000);
      const key = `taskrun-${metadata().uid}`;
      const fields = (await readDocument(firestore.host, "command-runs", key))!;
      const payload = Buffer.from(fields["Signed"]!.bytesValue!, "base64");
      const signature = Buffer.from(fields["Signature"]!.stringValue!, "base64");
      const envelope = JSON.parse(signature.toString("utf8")) as { payloadType: string; signatures: Array<{ sig: string }> };
      expect(
        opensslVerifies({
          publicKeyPem: publicKey.export({ type: "spki", format: "pem" }).toString(),
          scheme: "ecdsa-sha256",
          data: preAuthEncoding(envelope.payloadType, payload),
          signature: Buffer.from(envelope.signatures[0]!.sig, "base64"),
        }),
      ).toBe(true);
      const messages = await pullAll(topic.pull, 1);
      expect(messages.map((m) => Buffer.from(m.data).equals(signature))).toEqual([true]);
    } finally {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
      await emu.stop();
      await rm(dir, { recursive: true, force: true });
    }
  }, 180_000);

  it("docdb upserts: storing the same key again overwrites the one document", async () => {
    const documents = makeFirestoreDocumentWriter(env());
    try {
      const url = `firestore://projects/${PROJECT}/databases/(default)/documents/upserts?name_field=Name`;
      const store = makeDocdbArtifactStore({ config: () => configWith({ docdbUrl: url }), documents });
      const artifact = (n: number) => ({
        shortKey: "0123456789ab",
        payload: JSON.stringify({ critical: { n } }),
        signature: new TextEncoder().encode(`sig-${n}`),
        certificatePem: "",
        chainPem: "",
        id: "oci:0123456789ab",
      });
      const { Effect } = await import("effect");
      for (const n of [1, 2])
        await Effect.runPromise(store.store({ run: {} as never, artifact: artifact(n) as never }));
      expect(await listDocuments(firestore.host, "upserts")).toEqual(["0123456789ab"]);
      const fields = (await readDocument(firestore.host, "upserts", "0123456789ab"))!;
      expect(Buffer.from(fields["Signature"]!.stringValue!, "base64").toString()).toBe("sig-2");
      expect(createHash("sha256").update(Buffer.from(fields["Signed"]!.bytesValue!, "base64")).digest("hex")).toBe(
        createHash("sha256").update(artifact(2).payload).digest("hex"),
      );
    } finally {
      await documents.close();
    }
  }, 60_000);

  it("gcppubsub: a short topic name is resolved under GOOGLE_CLOUD_PROJECT; a missing topic is a failure naming it", async () => {
    const topic = await subscribedTopic(pubsub.host, "short-name");
    const publisher = makeGooglePubsubPublisher({ PUBSUB_EMULATOR_HOST: pubsub.host, GOOGLE_CLOUD_PROJECT: PROJECT });
    try {
      const { Effect, Result } = await import("effect");
      const artifact = { payload: "{}", signature: new Uint8Array([0, 255, 1]), dsse: false, id: "oci:abc" } as never;
      const store = (topicName: string) =>
        Effect.runPromise(Effect.result(makePubsubArtifactStore({ config: () => configWith({ provider: "gcppubsub", topic: topicName }), publishers: { inmemory: new InMemoryMessagePublisher(), gcppubsub: publisher } }).store({ run: {} as never, artifact })));
      expect(Result.isSuccess(await store("short-name"))).toBe(true);
      const [message] = await pullAll(topic.pull, 1);
      expect([...message!.data]).toEqual([0, 255, 1]);
      expect(message!.attributes).toEqual({ payload: Buffer.from("{}").toString("base64"), signature: Buffer.from([0, 255, 1]).toString("base64") });
      const absent = await store("no-such-topic");
      expect(Result.isFailure(absent) && absent.failure.reason).toMatch(/could not publish to gcppubsub topic no-such-topic: .*NOT_FOUND|not found/i);
    } finally {
      await publisher.close();
    }
  }, 60_000);
});
