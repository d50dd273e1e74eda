import { Effect, Result } from "effect";
import { describe, expect, it } from "vitest";
import { InMemoryArtifactStore } from "../../src/adapters/memory/in-memory-artifact-store.ts";
import { makeArtifactStores } from "../../src/adapters/storage/artifact-store-registry.ts";
import { InMemoryTransparencyLog } from "../../src/adapters/memory/in-memory-transparency-log.ts";
import { decodeRunObject, type RunObject } from "../../src/domain/run/run-object.ts";
import type { SignedArtifact } from "../../src/domain/signing-pass/signing-artifacts.ts";
import { runJson } from "./run-fixtures.ts";

const taskRun = (): RunObject => {
  const json = runJson("build");
  json.metadata.uid = "uid-1";
  const decoded = decodeRunObject(json);
  if (Result.isFailure(decoded)) throw new Error(decoded.failure.reason);
  return decoded.success;
};

const artifact = (shortKey: string): SignedArtifact => ({
  id: `taskrun:${shortKey}`,
  artifact: "taskrun",
  shortKey,
  fullKey: "tekton.dev-v1-TaskRun-uid-1",
  format: "in-toto",
  payload: '{"_type":"https://in-toto.io/Statement/v0.1"}',
  dsse: true,
  signer: "x509",
  storage: ["oci"],
  signature: new TextEncoder().encode("envelope"),
  publicKeyPem: "",
  keyId: "",
  certificatePem: "",
  chainPem: "",
});

describe("InMemoryArtifactStore", () => {
  it("records what it stores and fails exactly the injected calls", async () => {
    const store = new InMemoryArtifactStore("oci");
    store.failNext(1, "registry down");
    const error = await Effect.runPromise(Effect.flip(store.store({ run: taskRun(), artifact: artifact("taskrun-uid-1") })));
    expect(error).toMatchObject({ _tag: "StorageFailed", backend: "oci", artifact: "taskrun:taskrun-uid-1", reason: "registry down" });
    expect(store.stored()).toEqual([]);
    const result = await Effect.runPromise(store.store({ run: taskRun(), artifact: artifact("taskrun-uid-1") }));
    expect(result.annotations).toEqual({});
    expect(store.stored()).toEqual([
      {
        backend: "oci",
        run: { kind: "TaskRun", namespace: "default", name: "build" },
        artifactId: "taskrun:taskrun-uid-1",
        shortKey: "taskrun-uid-1",
        fullKey: "tekton.dev-v1-TaskRun-uid-1",
        payload: artifact("x").payload,
        signature: new TextEncoder().encode("envelope"),
      },
    ]);
  });

  it("returns the annotations its annotate option computes", async () => {
    const store = new InMemoryArtifactStore("tekton", {
      annotate: ({ artifact }) => ({ [`chains.tekton.dev/payload-${artifact.shortKey}`]: btoa(artifact.payload) }),
    });
    const result = await Effect.runPromise(store.store({ run: taskRun(), artifact: artifact("k") }));
    expect(Object.keys(result.annotations)).toEqual(["chains.tekton.dev/payload-k"]);
  });

  it("is found by name among the configured stores; other names are unavailable", async () => {
    const oci = new InMemoryArtifactStore("oci");
    const stores = makeArtifactStores([oci, new InMemoryArtifactStore("tekton")]);
    expect(await Effect.runPromise(stores.get("oci"))).toBe(oci);
    expect(await Effect.runPromise(Effect.flip(stores.get("gcs")))).toMatchObject({ _tag: "BackendUnavailable", backend: "gcs" });
  });
});

describe("InMemoryTransparencyLog", () => {
  const envelope = new TextEncoder().encode(JSON.stringify({ payloadType: "t", payload: "AQ==", signatures: [{ keyid: "", sig: "Ag==" }] }));
  const upload = { payload: envelope, signature: envelope, publicKeyPem: "PEM", certificatePem: "", dsse: true };

  it("refuses a dsse upload that is not a DSSE envelope, as Rekor does", async () => {
    const log = new InMemoryTransparencyLog();
    const failure = await Effect.runPromise(Effect.flip(log.upload({ ...upload, signature: new Uint8Array([2]) })));
    expect(failure.reason).toMatch(/not a DSSE envelope/);
    expect(log.entries()).toEqual([]);
  });

  it("appends entries with increasing indices and verbatim Rekor URLs", async () => {
    const log = new InMemoryTransparencyLog("https://rekor.example/", { firstIndex: 7 });
    const first = await Effect.runPromise(log.upload(upload));
    log.failNext(1, "rekor 503");
    expect(await Effect.runPromise(Effect.flip(log.upload(upload)))).toMatchObject({ reason: "rekor 503" });
    const second = await Effect.runPromise(log.upload(upload));
    expect([first, second].map((e) => [e.logIndex, e.url, e.kind])).toEqual([
      [7, "https://rekor.example//api/v1/log/entries?logIndex=7", "dsse"],
      [8, "https://rekor.example//api/v1/log/entries?logIndex=8", "dsse"],
    ]);
    expect(log.entries().map((e) => [e.logIndex, e.upload])).toEqual([
      [7, upload],
      [8, upload],
    ]);
  });
});
