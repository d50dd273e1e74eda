// The real controller on the Kubernetes API emulator with transparency.enabled "true", logging to a
// loopback Rekor (@sigstore/mock) and storing to Debian's docker-registry. Every signed run's
// chains.tekton.dev/transparency URL must resolve to an entry that logs the run's signature and whose
// SET openssl verifies with the log key; OCI signatures carry the entry as a bundle; a Rekor that
// cannot be reached or answers with an unverifiable entry fails the pass (Event, retry), never signed.
import { createHash } from "node:crypto";
import { bundleFromJSON } from "@sigstore/bundle";
import { toSignedEntity } from "@sigstore/verify";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { InMemoryRegistryCredentials } from "../../src/adapters/memory/in-memory-registry-credentials.ts";
import { makeOciArtifactStore } from "../../src/adapters/storage/oci/oci-artifact-store.ts";
import { makeRekorTransparencyLog } from "../../src/adapters/rekor/rekor-transparency-log.ts";
import { trustedRootFile } from "../../src/adapters/sigstore-trust/trusted-root-file.ts";
import { EmulatedChains, plainTaskRun } from "../kubernetes/emulated-chains.ts";
import { until } from "../support/until.ts";
import { pushTestImage, skopeo } from "../oci/registry-fixtures.ts";
import { countingRegistry, copyToLayout, hexOf, imageTaskRun, inspectRaw, registryToolsMissing, useRegistry } from "../oci-storage/oci-fixtures.ts";
import type { JsonObject } from "../support/kube-api-emulator/index.ts";
import { type LoopbackSigstore, loopbackVerifier, setVerifiesWithOpenssl, startLoopbackSigstore } from "../support/loopback-sigstore.ts";

const missing = registryToolsMissing("Rekor controller tests");

interface RekorEntry {
  readonly body: string;
  readonly integratedTime: number;
  readonly logID: string;
  readonly logIndex: number;
  readonly verification: { readonly signedEntryTimestamp: string };
}

const sha256Hex = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

/** GET of an annotation's entry URL on the loopback Rekor: the single entry it names. */
const resolve = async (url: string | undefined): Promise<RekorEntry & { readonly spec: any; readonly kind: string }> => {
  expect(url).toBeDefined();
  const response = await fetch(url!);
  expect(response.status).toBe(200);
  const entry = Object.values((await response.json()) as Record<string, RekorEntry>)[0]!;
  const body = JSON.parse(Buffer.from(entry.body, "base64").toString("utf8"));
  return { ...entry, spec: body.spec, kind: body.kind };
};

describe.skipIf(missing !== undefined)("Rekor in the controller on the API emulator (loopback Rekor, docker-registry, openssl, @sigstore/verify)", () => {
  const shared = useRegistry();
  let sigstore: LoopbackSigstore;
  let chains: EmulatedChains | undefined;

  beforeAll(async () => {
    sigstore = await startLoopbackSigstore();
  });
  afterAll(() => sigstore?.close());
  afterEach(async () => {
    await chains?.stop();
    chains = undefined;
  });

  const start = async (config: Readonly<Record<string, string>>, trustedRootPath = sigstore.trustedRootPath) => {
    chains = await EmulatedChains.create({
      config: { "transparency.enabled": "true", "transparency.url": sigstore.url, ...config },
      transparencyLog: ({ config: current }) =>
        makeRekorTransparencyLog({ url: () => current().transparency.url, trust: trustedRootFile(trustedRootPath, "--trusted-root") }),
      stores: [
        ({ config: current }) =>
          makeOciArtifactStore({ registry: countingRegistry(), config: current, credentials: new InMemoryRegistryCredentials(), env: {} }),
      ],
    });
    await chains.startController();
    return chains;
  };

  const seedImageRun = async (chains: EmulatedChains, name: string, repository: string) => {
    const image = await pushTestImage(shared.direct, { registry: shared.registry.host, repository }, "v1", name);
    const run = imageTaskRun(name, `${shared.registry.host}/${repository}:v1`, image.digest) as unknown as JsonObject & { metadata: { uid?: string } };
    delete run.metadata.uid;
    chains.emu.store.seed(run);
    chains.complete("taskruns", name);
    return image;
  };

  const uidOf = (chains: EmulatedChains, name: string) => (chains.get("taskruns", name)!["metadata"] as { uid: string }).uid;

  /** One layer of a cosign signature tag, with its blob. */
  const layerAt = async (repository: string, tag: string) => {
    const manifest = await inspectRaw(shared.registry.host, repository, tag);
    expect(manifest.layers).toHaveLength(1);
    const layer = manifest.layers[0]!;
    const layout = await copyToLayout(shared.registry.host, repository, tag);
    try {
      return { annotations: layer.annotations ?? {}, blob: await layout.blob(layer.digest) };
    } finally {
      await layout.dispose();
    }
  };

  it("logs the provenance (dsse) and the image signature (hashedrekord), records each entry, and bundles it on .att and .sig", async () => {
    const chains = await start({ "artifacts.taskrun.storage": "tekton,oci", "artifacts.oci.storage": "oci" });
    const repository = "rekor/app";
    const image = await seedImageRun(chains, "build-logged", repository);
    expect(await chains.awaitSigned("taskruns", "build-logged")).toBe("true");
    const annotations = chains.annotations("taskruns", "build-logged");
    const uid = uidOf(chains, "build-logged");
    const imageKey = hexOf(image.digest).slice(0, 12);

    // Provenance: the entry logs the envelope stored on the run, and its SET verifies with the log key.
    const envelopeText = Buffer.from(annotations[`chains.tekton.dev/signature-taskrun-${uid}`]!, "base64").toString("utf8");
    const envelope = JSON.parse(envelopeText) as { payload: string; signatures: Array<{ sig: string }> };
    const provenance = await resolve(annotations[`chains.tekton.dev/transparency-taskrun-${uid}`]);
    expect(provenance.kind).toBe("dsse");
    expect(provenance.spec.signatures).toEqual([{ signature: envelope.signatures[0]!.sig, verifier: Buffer.from(chains.publicKeyPem).toString("base64") }]);
    expect(provenance.spec.payloadHash.value).toBe(sha256Hex(Buffer.from(envelope.payload, "base64")));
    expect(setVerifiesWithOpenssl({ ...provenance, signedEntryTimestamp: provenance.verification.signedEntryTimestamp }, sigstore.logPublicKeyPem)).toBe(true);

    // Image: the entry logs the .sig layer's signature over its payload.
    const sig = await layerAt(repository, `sha256-${hexOf(image.digest)}.sig`);
    const imageEntry = await resolve(annotations[`chains.tekton.dev/transparency-${imageKey}`]);
    expect(imageEntry.kind).toBe("hashedrekord");
    expect(imageEntry.spec.signature.content).toBe(sig.annotations["dev.cosignproject.cosign/signature"]);
    expect(imageEntry.spec.data.hash.value).toBe(sha256Hex(sig.blob));
    expect(setVerifiesWithOpenssl({ ...imageEntry, signedEntryTimestamp: imageEntry.verification.signedEntryTimestamp }, sigstore.logPublicKeyPem)).toBe(true);

    // The reference's single key holds one of them (the last upload); every entry has its own key.
    expect([annotations[`chains.tekton.dev/transparency-taskrun-${uid}`], annotations[`chains.tekton.dev/transparency-${imageKey}`]]).toContain(
      annotations["chains.tekton.dev/transparency"],
    );
    expect(annotations["chains.tekton.dev/transparency"]).toMatch(new RegExp(`^${sigstore.url}/api/v1/log/entries\\?logIndex=\\d+$`));

    // cosign's bundles: the Payload is the logged entry, the SET the log's.
    const sigBundle = JSON.parse(sig.annotations["dev.sigstore.cosign/bundle"]!);
    expect(sigBundle).toEqual({
      SignedEntryTimestamp: imageEntry.verification.signedEntryTimestamp,
      Payload: { body: imageEntry.body, integratedTime: imageEntry.integratedTime, logIndex: imageEntry.logIndex, logID: imageEntry.logID },
    });
    const att = await layerAt(repository, `sha256-${hexOf(image.digest)}.att`);
    expect(att.blob.toString("utf8")).toBe(envelopeText);
    expect(JSON.parse(att.annotations["dev.sigstore.cosign/bundle"]!).Payload.logIndex).toBe(provenance.logIndex);
  });

  it("puts the entry into sigstore bundles (tlogEntries), which @sigstore/verify accepts against the loopback trusted root", async () => {
    const chains = await start({ "artifacts.oci.storage": "oci", "storage.oci.encoding-format": "sigstore-bundle" });
    const repository = "rekor/bundled";
    const image = await seedImageRun(chains, "build-bundled", repository);
    expect(await chains.awaitSigned("taskruns", "build-bundled")).toBe("true");
    const index = JSON.parse(
      await skopeo("inspect", "--raw", "--tls-verify=false", `docker://${shared.registry.host}/${repository}:sha256-${hexOf(image.digest)}`),
    ) as { manifests: Array<{ digest: string }> };
    const referrers = await Promise.all(index.manifests.map((m) => inspectRaw(shared.registry.host, repository, m.digest)));
    expect(referrers).toHaveLength(1);
    const layout = await copyToLayout(shared.registry.host, repository, index.manifests[0]!.digest);
    const bundle = JSON.parse((await layout.blob(referrers[0]!.layers[0]!.digest)).toString("utf8"));
    await layout.dispose();
    const [tlogEntry] = bundle.verificationMaterial.tlogEntries;
    expect(tlogEntry.kindVersion).toEqual({ kind: "dsse", version: "0.0.1" });
    const imageKey = hexOf(image.digest).slice(0, 12);
    const logged = await resolve(chains.annotations("taskruns", "build-bundled")[`chains.tekton.dev/transparency-${imageKey}`]);
    expect(tlogEntry.logIndex).toBe(String(logged.logIndex));
    expect(tlogEntry.canonicalizedBody).toBe(logged.body);
    expect(() => loopbackVerifier(sigstore.trustedRoot, chains.publicKeyPem).verify(toSignedEntity(bundleFromJSON(bundle)))).not.toThrow();
  });

  /** Waits for the run's first retry Event and checks that it is never marked signed. */
  const retriedNeverSigned = async (chains: EmulatedChains, name: string, reason: RegExp) => {
    await until(() => chains.emu.store.list("events", "default").some((e) => (e as { reason?: string }).reason === "SigningRetry"), "a SigningRetry Event");
    const events = chains.emu.store.list("events", "default") as Array<{ reason: string; message: string }>;
    expect(events.find((e) => e.reason === "SigningRetry")!.message).toMatch(reason);
    expect(await chains.awaitSigned("taskruns", name)).toBe("failed");
    const writes = chains.runWrites("taskruns", name);
    expect(JSON.stringify(writes)).not.toContain('"chains.tekton.dev/signed":"true"');
  };

  it("an unreachable Rekor: a retried failure with the reason in an Event, never signed", async () => {
    const closed = await startLoopbackSigstore();
    const url = closed.url;
    await closed.close();
    const chains = await start({ "transparency.url": url });
    chains.emu.store.seed(plainTaskRun("unreachable"));
    chains.complete("taskruns", "unreachable");
    await retriedNeverSigned(chains, "unreachable", /transparency log upload failed: Rekor http:\/\/127\.0\.0\.1:\d+: .*ECONNREFUSED/);
  });

  it("a Rekor whose signed entry timestamp does not verify: a retried failure, never signed", async () => {
    // Every retry re-proposes the same signature, gets 409 and the same (corrupt) entry back.
    sigstore.corruptNextSet(1);
    const chains = await start({});
    chains.emu.store.seed(plainTaskRun("corrupt-set"));
    chains.complete("taskruns", "corrupt-set");
    await retriedNeverSigned(chains, "corrupt-set", /signed entry timestamp of entry \d+ does not verify/);
  });

  it("a Rekor that announces a foreign /publicKey: a retried failure, never signed", async () => {
    const foreign = await startLoopbackSigstore();
    try {
      foreign.announceForeignLogKey();
      const chains = await start({ "transparency.url": foreign.url }, foreign.trustedRootPath);
      chains.emu.store.seed(plainTaskRun("foreign-key"));
      chains.complete("taskruns", "foreign-key");
      await retriedNeverSigned(chains, "foreign-key", /announces key [0-9a-f]{64}, not the trusted key/);
    } finally {
      await foreign.close();
    }
  });

  it("an upload that fails is retried alone: the retry logs the signature of the failed pass, then the run is signed", async () => {
    const chains = await start({});
    const before = sigstore.proposals.length;
    sigstore.failNext("rekor", 503, 4);
    chains.emu.store.seed(plainTaskRun("flaky"));
    chains.complete("taskruns", "flaky");
    expect(await chains.awaitSigned("taskruns", "flaky")).toBe("true");
    const annotations = chains.annotations("taskruns", "flaky");
    expect(annotations["chains.tekton.dev/retries"]).toBe("0");
    const uid = uidOf(chains, "flaky");
    const envelope = JSON.parse(Buffer.from(annotations[`chains.tekton.dev/signature-taskrun-${uid}`]!, "base64").toString("utf8"));
    const entry = await resolve(annotations["chains.tekton.dev/transparency"]);
    expect(entry.spec.signatures[0].signature).toBe(envelope.signatures[0].sig);
    // 4 attempts in the failed pass and 1 in its retry, all proposing the same signed envelope.
    const proposed = sigstore.proposals.slice(before);
    expect(proposed).toHaveLength(5);
    expect(new Set(proposed).size).toBe(1);
  });
});
