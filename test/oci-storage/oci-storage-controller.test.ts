// The `oci` backend in the real controller (embedded harness over the in-memory cluster), writing
// to Debian's docker-registry; everything written is read back with skopeo and checked with openssl.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InMemoryRegistryCredentials } from "../../src/adapters/memory/in-memory-registry-credentials.ts";
import { makeOciArtifactStore } from "../../src/adapters/storage/oci/oci-artifact-store.ts";
import { EmbeddedChains } from "../../src/app/harness/embedded-chains.ts";
import { startFaultProxy, type FaultProxy } from "../oci/fault-proxy.ts";
import { pushTestImage, runEffect } from "../oci/registry-fixtures.ts";
import {
  configOf,
  copyToLayout,
  countingRegistry,
  hexOf,
  imageTaskRun,
  inspectRaw,
  listTags,
  type OciManifest,
  opensslVerifies,
  pae,
  quietly,
  recording,
  registryToolsMissing,
  useRegistry,
} from "./oci-fixtures.ts";

const missing = registryToolsMissing("OCI storage controller tests");

const sigMediaType = "application/vnd.dev.cosign.simplesigning.v1+json";
const attMediaType = "application/vnd.dsse.envelope.v1+json";
const cosignKeys = ["dev.cosignproject.cosign/signature", "dev.sigstore.cosign/certificate", "dev.sigstore.cosign/chain"];

interface Statement {
  readonly predicateType: string;
  readonly subject?: ReadonlyArray<{ readonly name: string; readonly digest: Readonly<Record<string, string>> }>;
}

describe.skipIf(missing !== undefined)("oci storage in the controller (docker-registry, skopeo, openssl)", () => {
  const shared = useRegistry();

  /** Checks one `.sig` layer with openssl and returns its payload. */
  const verifySigLayer = async (repository: string, tag: string, index: number, publicKeyPem: string) => {
    const manifest = await inspectRaw(shared.registry.host, repository, tag);
    const layer = manifest.layers[index]!;
    const layout = await copyToLayout(shared.registry.host, repository, tag);
    try {
      const payload = await layout.blob(layer.digest);
      const signature = Buffer.from(layer.annotations?.[cosignKeys[0]!] ?? "", "base64");
      expect(await opensslVerifies(publicKeyPem, payload, signature)).toBe(true);
      return JSON.parse(payload.toString("utf8")) as {
        critical: { identity: { "docker-reference": string }; image: { "docker-manifest-digest": string }; type: string };
      };
    } finally {
      await layout.dispose();
    }
  };

  /** Checks one `.att` layer's DSSE envelope over its PAE with openssl and returns the envelope text and statement. */
  const verifyAttLayer = async (repository: string, tag: string, index: number, publicKeyPem: string) => {
    const manifest = await inspectRaw(shared.registry.host, repository, tag);
    const layer = manifest.layers[index]!;
    const layout = await copyToLayout(shared.registry.host, repository, tag);
    try {
      const envelopeText = (await layout.blob(layer.digest)).toString("utf8");
      const envelope = JSON.parse(envelopeText) as { payloadType: string; payload: string; signatures: Array<{ sig: string }> };
      expect(envelope.payloadType).toBe("application/vnd.in-toto+json");
      const payload = Buffer.from(envelope.payload, "base64");
      expect(envelope.signatures).toHaveLength(1);
      const sig = Buffer.from(envelope.signatures[0]!.sig, "base64");
      expect(await opensslVerifies(publicKeyPem, pae(envelope.payloadType, payload), sig)).toBe(true);
      return { envelopeText, statement: JSON.parse(payload.toString("utf8")) as Statement };
    } finally {
      await layout.dispose();
    }
  };

  describe("artifacts.taskrun.storage: tekton,oci", () => {
    const data = { "artifacts.taskrun.storage": "tekton,oci" };
    const repository = "team/app";
    let chains: EmbeddedChains;
    let store: ReturnType<typeof recording>;
    let image: { digest: `sha256:${string}` };
    let sigTag: string;
    let attTag: string;

    beforeAll(async () => {
      image = await pushTestImage(shared.direct, { registry: shared.registry.host, repository }, "v1");
      sigTag = `sha256-${hexOf(image.digest)}.sig`;
      attTag = `sha256-${hexOf(image.digest)}.att`;
      store = recording(
        makeOciArtifactStore({ registry: countingRegistry(), config: configOf(data), credentials: new InMemoryRegistryCredentials(), env: {} }),
      );
      chains = await EmbeddedChains.start({ config: data, stores: [store] });
    });
    afterAll(async () => {
      await chains?.stop();
    });

    it("pushes sha256-<hex>.sig and .att next to the image; both verify with openssl", async () => {
      const ref = chains.createRun(imageTaskRun("build-app", `${shared.registry.host}/${repository}:v1`, image.digest));
      chains.completeRun(ref);
      expect(await chains.awaitSigned(ref)).toBe("true");

      expect([...(await listTags(shared.registry.host, repository))].sort()).toEqual([attTag, sigTag, "v1"].sort());

      const sig = await inspectRaw(shared.registry.host, repository, sigTag);
      expectCosignImage(sig, sigMediaType, 1);
      expect(Object.keys(sig.layers[0]!.annotations ?? {}).sort()).toEqual(cosignKeys);
      const payload = await verifySigLayer(repository, sigTag, 0, chains.publicKeyPem);
      expect(payload.critical.image["docker-manifest-digest"]).toBe(image.digest);
      expect(payload.critical.identity["docker-reference"]).toBe(`${shared.registry.host}/${repository}`);
      expect(payload.critical.type).toBe("cosign container image signature");

      const att = await inspectRaw(shared.registry.host, repository, attTag);
      expectCosignImage(att, attMediaType, 1);
      // storage.md §3.2: the signature annotation is present and empty; no predicateType annotation.
      expect(att.layers[0]!.annotations).toEqual({ [cosignKeys[0]!]: "", [cosignKeys[1]!]: "", [cosignKeys[2]!]: "" });
      const { envelopeText, statement } = await verifyAttLayer(repository, attTag, 0, chains.publicKeyPem);
      expect(statement.subject).toContainEqual({ name: `${shared.registry.host}/${repository}`, digest: { sha256: hexOf(image.digest) } });
      // The same envelope the tekton backend put on the run.
      const annotations = chains.annotations(ref);
      const key = Object.keys(annotations).find((k) => k.startsWith("chains.tekton.dev/signature-taskrun-"))!;
      expect(Buffer.from(annotations[key]!, "base64").toString("utf8")).toBe(envelopeText);
    });

    it("re-signing appends only signatures that differ; replaying the same signature adds nothing", async () => {
      const ref = chains.createRun(imageTaskRun("build-app-again", `${shared.registry.host}/${repository}:v1`, image.digest));
      chains.completeRun(ref);
      expect(await chains.awaitSigned(ref)).toBe("true");

      // Same simplesigning payload, new ECDSA signature (random nonce): not a duplicate, since the
      // signature annotation differs (defect #14: digest AND signature must match). Both verify.
      const sig = await inspectRaw(shared.registry.host, repository, sigTag);
      expectCosignImage(sig, sigMediaType, 2);
      expect(sig.layers[1]!.digest).toBe(sig.layers[0]!.digest);
      expect(sig.layers[1]!.annotations?.[cosignKeys[0]!]).not.toBe(sig.layers[0]!.annotations?.[cosignKeys[0]!]);
      await verifySigLayer(repository, sigTag, 1, chains.publicKeyPem);
      // A new run has new provenance: a second envelope.
      const att = await inspectRaw(shared.registry.host, repository, attTag);
      expectCosignImage(att, attMediaType, 2);
      expect(att.layers[1]!.digest).not.toBe(att.layers[0]!.digest);
      await verifyAttLayer(repository, attTag, 1, chains.publicKeyPem);

      // The controller retrying a pass stores the very same signatures again: nothing changes.
      const replayed = store.requests.filter((r) => r.run.metadata.name === "build-app-again");
      expect(replayed.map((r) => r.artifact.artifact).sort()).toEqual(["oci", "taskrun"]);
      for (const request of replayed) await runEffect(quietly(store.store(request)));
      expect(await inspectRaw(shared.registry.host, repository, sigTag)).toEqual(sig);
      expect(await inspectRaw(shared.registry.host, repository, attTag)).toEqual(att);
    });
  });

  it("with the default config only the image signature goes to the registry", async () => {
    const repository = "team/default";
    const image = await pushTestImage(shared.direct, { registry: shared.registry.host, repository }, "v2");
    const store = makeOciArtifactStore({ registry: countingRegistry(), config: configOf({}), credentials: new InMemoryRegistryCredentials(), env: {} });
    const chains = await EmbeddedChains.start({ stores: [store] });
    try {
      const ref = chains.createRun(imageTaskRun("build-default", `${shared.registry.host}/${repository}:v2`, image.digest));
      chains.completeRun(ref);
      expect(await chains.awaitSigned(ref)).toBe("true");
      expect([...(await listTags(shared.registry.host, repository))].sort()).toEqual([`sha256-${hexOf(image.digest)}.sig`, "v2"]);
      await verifySigLayer(repository, `sha256-${hexOf(image.digest)}.sig`, 0, chains.publicKeyPem);
    } finally {
      await chains.stop();
    }
  });

  describe("a registry that answers 500 and then recovers", () => {
    let proxy: FaultProxy;
    beforeAll(async () => {
      proxy = await startFaultProxy(shared.registry.host);
    });
    afterAll(async () => {
      await proxy?.stop();
    });

    it("the run still ends signed, after failed passes, and no tag points at a missing blob", async () => {
      const repository = "team/flaky";
      const data = { "artifacts.taskrun.storage": "tekton,oci" };
      const image = await pushTestImage(shared.direct, { registry: shared.registry.host, repository }, "v3");
      // Writes fail while the registry is "down": the first 5 uploads and manifest PUTs. The client
      // tries each request twice, so the first pass fails (both artifacts) and a later one succeeds.
      let failuresLeft = 5;
      proxy.decide = (method) => (method !== "GET" && method !== "HEAD" && failuresLeft-- > 0 ? { status: 500 } : "pass");
      const store = makeOciArtifactStore({ registry: countingRegistry(), config: configOf(data), credentials: new InMemoryRegistryCredentials(), env: {} });
      const settled: string[] = [];
      const chains = await EmbeddedChains.start({
        config: data,
        stores: [store],
        hooks: { onTransition: (_ref, state) => settled.push(state) },
      });
      try {
        const ref = chains.createRun(imageTaskRun("build-flaky", `${proxy.host}/${repository}:v3`, image.digest));
        chains.completeRun(ref);
        expect(await chains.awaitSigned(ref, 30_000)).toBe("true");
        expect(proxy.seen.filter((s) => s.fault !== "pass").length).toBe(5);
        expect(settled).toContain("recordingFailure");
        expect(settled).toContain("retrying");

        const tags = await listTags(shared.registry.host, repository);
        expect([...tags].sort()).toEqual([`sha256-${hexOf(image.digest)}.att`, `sha256-${hexOf(image.digest)}.sig`, "v3"]);
        for (const tag of tags) {
          // skopeo copy fetches and digest-checks every blob the manifest names.
          const layout = await copyToLayout(shared.registry.host, repository, tag);
          await layout.dispose();
        }
        const sig = await inspectRaw(shared.registry.host, repository, `sha256-${hexOf(image.digest)}.sig`);
        const att = await inspectRaw(shared.registry.host, repository, `sha256-${hexOf(image.digest)}.att`);
        // Each signature was written once: retries redo only what failed, and a repeated write is a no-op.
        expect(sig.layers).toHaveLength(1);
        expect(att.layers).toHaveLength(1);
        await verifySigLayer(repository, `sha256-${hexOf(image.digest)}.sig`, 0, chains.publicKeyPem);
        await verifyAttLayer(repository, `sha256-${hexOf(image.digest)}.att`, 0, chains.publicKeyPem);
      } finally {
        await chains.stop();
      }
    });
  });
});

const expectCosignImage = (manifest: OciManifest, layerMediaType: string, layers: number) => {
  expect(manifest.mediaType).toBe("application/vnd.oci.image.manifest.v1+json");
  expect(manifest.config.mediaType).toBe("application/vnd.oci.image.config.v1+json");
  expect(manifest.layers).toHaveLength(layers);
  for (const layer of manifest.layers) expect(layer.mediaType).toBe(layerMediaType);
};
