// Keyless signatures in the registry: the real controller (embedded harness) with a loopback Fulcio,
// pushing to Debian's docker-registry; layers and bundles read back with skopeo, checked with openssl.
import { X509Certificate } from "node:crypto";
import { rmSync } from "node:fs";
import { bundleFromJSON } from "@sigstore/bundle";
import { toSignedEntity } from "@sigstore/verify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InMemoryRegistryCredentials } from "../../src/adapters/memory/in-memory-registry-credentials.ts";
import { makeOciArtifactStore } from "../../src/adapters/storage/oci/oci-artifact-store.ts";
import { EmbeddedChains } from "../../src/app/harness/embedded-chains.ts";
import { pushTestImage, skopeo } from "../oci/registry-fixtures.ts";
import {
  configOf,
  copyToLayout,
  countingRegistry,
  hexOf,
  imageTaskRun,
  inspectRaw,
  opensslVerifies,
  pae,
  registryToolsMissing,
  useRegistry,
} from "../oci-storage/oci-fixtures.ts";
import { type LoopbackSigstore, startLoopbackSigstore } from "../support/loopback-sigstore.ts";
import {
  type KeylessSetup,
  keylessSetup,
  keylessVerifier,
  opensslCertificateKey,
  opensslChainVerifies,
  trustedRootOf,
} from "./keyless-fixtures.ts";

const missing = registryToolsMissing("keyless OCI storage tests");

const tokenSubject = "system:serviceaccount:tekton-chains:tekton-chains-controller";
const certificateKey = "dev.sigstore.cosign/certificate";
const chainKey = "dev.sigstore.cosign/chain";

describe.skipIf(missing !== undefined)("keyless signatures in the registry (loopback Fulcio, docker-registry, skopeo, openssl)", () => {
  const shared = useRegistry();
  let sigstore: LoopbackSigstore;
  let setup: KeylessSetup;
  beforeAll(async () => {
    sigstore = await startLoopbackSigstore();
    setup = keylessSetup(trustedRootOf(sigstore));
    setup.rotateToken(tokenSubject);
  });
  afterAll(async () => {
    await sigstore.close();
    rmSync(setup.dir, { recursive: true, force: true });
  });

  const startChains = (data: Record<string, string>) => {
    const config = {
      "signers.x509.fulcio.enabled": "true",
      "signers.x509.fulcio.address": sigstore.url,
      "transparency.enabled": "true",
      ...data,
    };
    const store = makeOciArtifactStore({ registry: countingRegistry(), config: configOf(config), credentials: new InMemoryRegistryCredentials(), env: {} });
    return EmbeddedChains.start({ config, stores: [store], signingSecrets: {}, keyless: setup.context });
  };

  const blobOf = async (repository: string, reference: string, digest: string): Promise<Buffer> => {
    const layout = await copyToLayout(shared.registry.host, repository, reference);
    try {
      return await layout.blob(digest);
    } finally {
      await layout.dispose();
    }
  };

  it("puts the certificate and chain on .sig and .att layers; both verify with the certificate's key, which chains to the root", async () => {
    const repository = "keyless/app";
    const image = await pushTestImage(shared.direct, { registry: shared.registry.host, repository }, "v1");
    const chains = await startChains({ "artifacts.taskrun.storage": "tekton,oci" });
    try {
      const ref = chains.createRun(imageTaskRun("build-keyless", `${shared.registry.host}/${repository}:v1`, image.digest));
      chains.completeRun(ref);
      expect(await chains.awaitSigned(ref)).toBe("true");
      const uid = chains.cluster.getRun(ref)!.metadata.uid!;
      const runCertificate = Buffer.from(chains.annotations(ref)[`chains.tekton.dev/cert-taskrun-${uid}`] ?? "", "base64").toString();

      const sigTag = `sha256-${hexOf(image.digest)}.sig`;
      const sig = (await inspectRaw(shared.registry.host, repository, sigTag)).layers[0]!;
      const certificatePem = sig.annotations?.[certificateKey] ?? "";
      expect(certificatePem).toBe(runCertificate);
      expect(opensslChainVerifies(sigstore.caRootPem, certificatePem, setup.dir)).toBe(true);
      expect(new X509Certificate(sig.annotations?.[chainKey] ?? "").fingerprint256).toBe(new X509Certificate(sigstore.caRootPem).fingerprint256);
      const leafKey = opensslCertificateKey(certificatePem);
      const payload = await blobOf(repository, sigTag, sig.digest);
      expect(await opensslVerifies(leafKey, payload, Buffer.from(sig.annotations?.["dev.cosignproject.cosign/signature"] ?? "", "base64"))).toBe(true);

      const attTag = `sha256-${hexOf(image.digest)}.att`;
      const att = (await inspectRaw(shared.registry.host, repository, attTag)).layers[0]!;
      expect(att.annotations?.[certificateKey]).toBe(certificatePem);
      expect(att.annotations?.[chainKey]).toBe(sig.annotations?.[chainKey]);
      const envelope = JSON.parse((await blobOf(repository, attTag, att.digest)).toString("utf8"));
      const statement = Buffer.from(envelope.payload, "base64");
      expect(await opensslVerifies(leafKey, pae(envelope.payloadType, statement), Buffer.from(envelope.signatures[0].sig, "base64"))).toBe(true);
    } finally {
      await chains.stop();
    }
  });

  it("sigstore bundles carry the certificate as verification material", async () => {
    const repository = "keyless/bundled";
    const image = await pushTestImage(shared.direct, { registry: shared.registry.host, repository }, "v1");
    const chains = await startChains({ "artifacts.oci.storage": "oci", "storage.oci.encoding-format": "sigstore-bundle" });
    try {
      const ref = chains.createRun(imageTaskRun("build-keyless-bundle", `${shared.registry.host}/${repository}:v1`, image.digest));
      chains.completeRun(ref);
      expect(await chains.awaitSigned(ref)).toBe("true");
      // The referrers API when the registry has it, else the `sha256-<hex>` fallback tag.
      const api = await fetch(`${shared.registry.url}/v2/${repository}/referrers/${image.digest}`, { headers: { accept: "application/vnd.oci.image.index.v1+json" } });
      const index = (
        api.status === 200
          ? await api.json()
          : JSON.parse(await skopeo("inspect", "--raw", "--tls-verify=false", `docker://${shared.registry.host}/${repository}:sha256-${hexOf(image.digest)}`))
      ) as { manifests: Array<{ digest: string }> };
      const listed = index.manifests;
      expect(listed).toHaveLength(1);
      const manifest = await inspectRaw(shared.registry.host, repository, listed[0]!.digest);
      const bundle = JSON.parse((await blobOf(repository, listed[0]!.digest, manifest.layers[0]!.digest)).toString("utf8"));
      const certificate = new X509Certificate(Buffer.from(bundle.verificationMaterial.certificate.rawBytes, "base64"));
      expect(opensslChainVerifies(sigstore.caRootPem, certificate.toString(), setup.dir)).toBe(true);
      const statement = Buffer.from(bundle.dsseEnvelope.payload, "base64");
      const verified = await opensslVerifies(
        opensslCertificateKey(certificate.toString()),
        pae(bundle.dsseEnvelope.payloadType, statement),
        Buffer.from(bundle.dsseEnvelope.signatures[0].sig, "base64"),
      );
      expect(verified).toBe(true);
      // @sigstore/verify: the chain to the Fulcio root, the SCT, the log entry (the harness's in-memory
      // log signs its entries with a key of its own), the DSSE signature and the identity.
      const entity = toSignedEntity(bundleFromJSON(bundle));
      const signer = keylessVerifier(sigstore, chains.transparencyLog).verify(entity, { subjectAlternativeName: tokenSubject });
      expect(signer.identity?.subjectAlternativeName).toBe(tokenSubject);
      expect(() => keylessVerifier(sigstore, chains.transparencyLog).verify(entity, { subjectAlternativeName: "someone-else" })).toThrow(/certificate identity error/);
      expect(() => keylessVerifier(sigstore, { publicKeyPem: sigstore.logPublicKeyPem, baseUrl: chains.transparencyLog.baseUrl }).verify(entity)).toThrow();
    } finally {
      await chains.stop();
    }
  });
});
