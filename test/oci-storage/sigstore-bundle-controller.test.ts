// Image signatures with `storage.oci.encoding-format: sigstore-bundle`, made by the real controller
// (embedded harness over the in-memory cluster) and pushed to Debian's docker-registry; read back with
// the registry's referrers API or the fallback tag and skopeo, and checked by @sigstore/verify and openssl.
import { generateKeyPairSync } from "node:crypto";
import { bundleFromJSON } from "@sigstore/bundle";
import { toSignedEntity } from "@sigstore/verify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InMemoryRegistryCredentials } from "../../src/adapters/memory/in-memory-registry-credentials.ts";
import { makeOciArtifactStore } from "../../src/adapters/storage/oci/oci-artifact-store.ts";
import { EmbeddedChains } from "../../src/app/harness/embedded-chains.ts";
import { pushTestImage, runEffect, skopeo } from "../oci/registry-fixtures.ts";
import { keyOnlyVerifier } from "../signing/signing-fixtures.ts";
import {
  configOf,
  copyToLayout,
  countingRegistry,
  hexOf,
  imageTaskRun,
  inspectRaw,
  opensslVerifies,
  pae,
  quietly,
  recording,
  registryToolsMissing,
  useRegistry,
} from "./oci-fixtures.ts";

const missing = registryToolsMissing("sigstore-bundle controller tests");

const bundleType = "application/vnd.dev.sigstore.bundle.v0.3+json";
const signPredicateType = "https://sigstore.dev/cosign/sign/v1";

interface Descriptor {
  readonly mediaType: string;
  readonly size: number;
  readonly digest: string;
  readonly artifactType?: string;
}

interface ReferrerManifest {
  readonly mediaType: string;
  readonly artifactType: string;
  readonly config: Descriptor;
  readonly layers: ReadonlyArray<Descriptor>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly subject: Descriptor;
}

interface Bundle {
  readonly mediaType: string;
  readonly dsseEnvelope: { readonly payload: string; readonly payloadType: string; readonly signatures: ReadonlyArray<{ readonly sig: string }> };
}

describe.skipIf(missing !== undefined)("image signatures as sigstore bundles in the controller (docker-registry, skopeo, openssl)", () => {
  const shared = useRegistry();
  const repository = "bundle/image";
  const data = { "artifacts.oci.storage": "oci", "storage.oci.encoding-format": "sigstore-bundle" };
  let chains: EmbeddedChains;
  let store: ReturnType<typeof recording>;
  let image: Awaited<ReturnType<typeof pushTestImage>>;

  beforeAll(async () => {
    image = await pushTestImage(shared.direct, { registry: shared.registry.host, repository }, "v1");
    store = recording(
      makeOciArtifactStore({ registry: countingRegistry(), config: configOf(data), credentials: new InMemoryRegistryCredentials(), env: {} }),
    );
    chains = await EmbeddedChains.start({ config: data, stores: [store] });
  });
  afterAll(async () => {
    await chains?.stop();
  });

  /** The image's referrers: from the referrers API when the registry has it, else from the `sha256-<hex>` fallback tag. */
  const referrers = async (): Promise<ReadonlyArray<Descriptor>> => {
    const api = await fetch(`${shared.registry.url}/v2/${repository}/referrers/${image.digest}`, {
      headers: { accept: "application/vnd.oci.image.index.v1+json" },
    });
    const index =
      api.status === 200
        ? ((await api.json()) as { manifests: Descriptor[] })
        : (JSON.parse(
            await skopeo("inspect", "--raw", "--tls-verify=false", `docker://${shared.registry.host}/${repository}:sha256-${hexOf(image.digest)}`),
          ) as { mediaType: string; manifests: Descriptor[] });
    return index.manifests;
  };

  /** A referrer manifest and its bundle blob, fetched (and digest-checked) by skopeo. */
  const referrerAt = async (digest: string): Promise<{ manifest: ReferrerManifest; bundle: Bundle }> => {
    const manifest = (await inspectRaw(shared.registry.host, repository, digest)) as unknown as ReferrerManifest;
    const layout = await copyToLayout(shared.registry.host, repository, digest);
    try {
      return { manifest, bundle: JSON.parse((await layout.blob(manifest.layers[0]!.digest)).toString("utf8")) as Bundle };
    } finally {
      await layout.dispose();
    }
  };

  it("pushes one cosign/sign/v1 bundle referrer of the image that @sigstore/verify and openssl accept", async () => {
    const ref = chains.createRun(imageTaskRun("build-bundled", `${shared.registry.host}/${repository}:v1`, image.digest));
    chains.completeRun(ref);
    expect(await chains.awaitSigned(ref)).toBe("true");

    const listed = await referrers();
    expect(listed).toHaveLength(1);
    expect(listed[0]!.artifactType).toBe(bundleType);
    expect(listed[0]!.mediaType).toBe("application/vnd.oci.image.manifest.v1+json");

    const { manifest: referrer, bundle: json } = await referrerAt(listed[0]!.digest);
    expect(referrer.mediaType).toBe("application/vnd.oci.image.manifest.v1+json");
    expect(referrer.artifactType).toBe(bundleType);
    expect(referrer.config).toEqual({
      mediaType: "application/vnd.oci.empty.v1+json",
      size: 2,
      digest: "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",
      artifactType: bundleType,
    });
    expect(referrer.layers.map((l) => l.mediaType)).toEqual([bundleType]);
    expect(referrer.annotations["dev.sigstore.bundle.predicateType"]).toBe(signPredicateType);
    expect(referrer.annotations["dev.sigstore.bundle.content"]).toBe("dsse-envelope");
    expect(referrer.subject).toEqual({ mediaType: "application/vnd.oci.image.manifest.v1+json", size: image.manifest.length, digest: image.digest });

    expect(json.mediaType).toBe(bundleType);
    const verified = keyOnlyVerifier(chains.publicKeyPem).verify(toSignedEntity(bundleFromJSON(json)));
    expect(verified.key.export({ type: "spki", format: "pem" })).toBe(chains.publicKeyPem);

    expect(json.dsseEnvelope.payloadType).toBe("application/vnd.in-toto+json");
    expect(json.dsseEnvelope.signatures).toHaveLength(1);
    const payload = Buffer.from(json.dsseEnvelope.payload, "base64");
    const sig = Buffer.from(json.dsseEnvelope.signatures[0]!.sig, "base64");
    expect(await opensslVerifies(chains.publicKeyPem, pae(json.dsseEnvelope.payloadType, payload), sig)).toBe(true);

    const statement = JSON.parse(payload.toString("utf8")) as { _type: string; subject: Array<{ name?: string; digest: Record<string, string> }>; predicateType: string };
    expect(statement._type).toBe("https://in-toto.io/Statement/v1");
    expect(statement.predicateType).toBe(signPredicateType);
    expect(statement.subject.map((s) => s.digest)).toEqual([{ sha256: hexOf(image.digest) }]);
  });

  it("the bundle does not verify with another key, nor once its statement is swapped", async () => {
    const [listed] = await referrers();
    const { bundle: json } = await referrerAt(listed!.digest);
    const other = generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey.export({ type: "spki", format: "pem" }).toString();
    expect(() => keyOnlyVerifier(other).verify(toSignedEntity(bundleFromJSON(json)))).toThrow();
    const swapped = structuredClone(json) as { dsseEnvelope: { payload: string } };
    const statement = JSON.parse(Buffer.from(swapped.dsseEnvelope.payload, "base64").toString("utf8"));
    statement.subject[0].digest.sha256 = "0".repeat(64);
    swapped.dsseEnvelope.payload = Buffer.from(JSON.stringify(statement)).toString("base64");
    expect(() => keyOnlyVerifier(chains.publicKeyPem).verify(toSignedEntity(bundleFromJSON(swapped)))).toThrow();
  });

  /** Stores again every request the controller made (a copy: replaying records more). */
  const replayAll = async () => {
    for (const request of [...store.requests]) await runEffect(quietly(store.store(request)));
  };

  it("replaying the stored signature adds no referrer; signing the image again adds exactly one", async () => {
    const before = await referrers();
    await replayAll();
    expect(await referrers()).toEqual(before);

    const ref = chains.createRun(imageTaskRun("build-bundled-again", `${shared.registry.host}/${repository}:v1`, image.digest));
    chains.completeRun(ref);
    expect(await chains.awaitSigned(ref)).toBe("true");
    const after = await referrers();
    expect(after).toHaveLength(before.length + 1);
    expect(new Set(after.map((d) => d.digest)).size).toBe(after.length);
    expect(after.filter((d) => before.some((b) => b.digest === d.digest))).toEqual(before);
    await replayAll();
    expect(await referrers()).toEqual(after);
  });
});
