// The `oci` backend called directly with signed artifacts, against Debian's docker-registry.
import { createHash, generateKeyPairSync, sign, type KeyObject } from "node:crypto";
import { Effect, Layer, Logger, Result } from "effect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InMemoryRegistryCredentials } from "../../src/adapters/memory/in-memory-registry-credentials.ts";
import { distributionSession } from "../../src/adapters/registry/client/distribution-client.ts";
import { writeSignatureLayer } from "../../src/adapters/registry/client/signature-tag-writer.ts";
import { makeOciArtifactStore, type OciStorageEnv } from "../../src/adapters/storage/oci/oci-artifact-store.ts";
import { cosignSignStatement } from "../../src/domain/formats/cosign-sign-statement.ts";
import { decodeRunObject, type RunObject } from "../../src/domain/run/run-object.ts";
import { basicCredential } from "../../src/domain/oci/registry-credential.ts";
import { simpleSigningLayer } from "../../src/domain/oci/signature-layer.ts";
import type { SignedArtifact } from "../../src/domain/signing-pass/signing-artifacts.ts";
import type { StorageFailed } from "../../src/ports/artifact-store.ts";
import { startRegistry, type RunningRegistry } from "../support/oci-registry.ts";
import { failureOf, pushTestImage, skopeo } from "../oci/registry-fixtures.ts";
import {
  configOf,
  copyToLayout,
  countingRegistry,
  hexOf,
  imageTaskRun,
  inspectRaw,
  listTags,
  opensslVerifies,
  pae,
  quietly,
  registryToolsMissing,
  useRegistry,
} from "./oci-fixtures.ts";

const missing = registryToolsMissing("OCI storage backend tests");

const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
const publicKeyPem = publicKey.export({ type: "spki", format: "pem" }).toString();
const b64 = (bytes: Uint8Array | string) => Buffer.from(bytes).toString("base64");

const envelopeOf = (statement: string, key: KeyObject = privateKey): string => {
  const payloadType = "application/vnd.in-toto+json";
  const sig = sign("sha256", pae(payloadType, Buffer.from(statement)), key);
  return `{"payloadType":"${payloadType}","payload":"${b64(statement)}","signatures":[{"keyid":"","sig":"${b64(sig)}"}]}`;
};

const statementOf = (subjects: ReadonlyArray<{ name: string; digest: Record<string, string> }>): string =>
  JSON.stringify({
    _type: "https://in-toto.io/Statement/v0.1",
    ...(subjects.length === 0 ? {} : { subject: subjects }),
    predicateType: "https://slsa.dev/provenance/v0.2",
    predicate: { builder: { id: "https://tekton.dev/chains/v2" } },
  });

const attestation = (statement: string, over: Partial<SignedArtifact> = {}): SignedArtifact => ({
  id: "taskrun:taskrun-1",
  artifact: "taskrun",
  shortKey: "taskrun-1",
  fullKey: "tekton.dev-v1-TaskRun-1",
  format: "in-toto",
  payload: statement,
  dsse: true,
  signer: "x509",
  storage: ["oci"],
  signature: new TextEncoder().encode(envelopeOf(statement)),
  publicKeyPem,
  keyId: "",
  certificatePem: "",
  chainPem: "",
  ...over,
});

const imageSignature = (repository: string, digest: string, key: KeyObject = privateKey): SignedArtifact => {
  const payload = `{"critical":{"identity":{"docker-reference":"${repository}"},"image":{"docker-manifest-digest":"${digest}"},"type":"cosign container image signature"},"optional":null}`;
  return {
    ...attestation(payload),
    id: `oci:${hexOf(digest).slice(0, 12)}`,
    artifact: "oci",
    format: "simplesigning",
    dsse: false,
    signature: sign("sha256", Buffer.from(payload), key),
  };
};

const runOf = (serviceAccount = "default", namespace = "default"): RunObject => {
  const json = imageTaskRun("run", "unused", "unused");
  json.metadata.uid = "uid-1";
  json.metadata.namespace = namespace;
  (json["spec"] as { serviceAccountName: string }).serviceAccountName = serviceAccount;
  return Result.getOrThrow(decodeRunObject(json));
};

/** Runs a store call, collecting its log lines. */
const storeWithLogs = async <A, E>(effect: Effect.Effect<A, E>) => {
  const lines: string[] = [];
  const logger = Logger.make((o) => lines.push(`${o.logLevel} ${(o.message as unknown[]).join(" ")}`));
  const result = await Effect.runPromise(Effect.result(effect.pipe(Effect.provide(Logger.layer([logger])))));
  return { result, lines };
};

describe.skipIf(missing !== undefined)("oci artifact store (docker-registry, skopeo, openssl)", () => {
  const shared = useRegistry();

  const storeFor = (data: Readonly<Record<string, string>> = {}, env: OciStorageEnv = {}, registryPort = countingRegistry()) =>
    makeOciArtifactStore({ registry: registryPort, config: configOf(data), credentials: new InMemoryRegistryCredentials(), env });

  it("attests every OCI subject with the same envelope and skips the others with a log line (defect #13)", async () => {
    const one = await pushTestImage(shared.direct, { registry: shared.registry.host, repository: "subj/one" }, "v1");
    const two = await pushTestImage(shared.direct, { registry: shared.registry.host, repository: "subj/two" }, "v1");
    const statement = statementOf([
      { name: "https://example.com/app.tar.gz", digest: { sha256: hexOf(one.digest) } },
      { name: `${shared.registry.host}/subj/sha512-only`, digest: { sha512: "ab".repeat(64) } },
      { name: `${shared.registry.host}/subj/one`, digest: { sha256: hexOf(one.digest) } },
      { name: `${shared.registry.host}/subj/two`, digest: { sha256: hexOf(two.digest) } },
    ]);
    const artifact = attestation(statement);
    const { result, lines } = await storeWithLogs(storeFor().store({ run: runOf(), artifact }));
    expect(Result.isFailure(result) ? result.failure.reason : "stored").toBe("stored");
    expect(lines.filter((l) => l.includes("not an OCI image reference"))).toHaveLength(2);
    const blob = `sha256:${createHash("sha256").update(artifact.signature).digest("hex")}`;
    for (const [repository, image] of [["subj/one", one], ["subj/two", two]] as const) {
      const att = await inspectRaw(shared.registry.host, repository, `sha256-${hexOf(image.digest)}.att`);
      expect(att.layers.map((l) => l.digest)).toEqual([blob]);
    }
  });

  it("pushes nothing for a statement without subjects, nor for the legacy tekton format", async () => {
    const port = countingRegistry();
    const store = storeFor({}, {}, port);
    expect(Result.isSuccess(await storeWithLogs(store.store({ run: runOf(), artifact: attestation(statementOf([])) })).then((r) => r.result))).toBe(true);
    const legacy = attestation(statementOf([{ name: `${shared.registry.host}/subj/one`, digest: { sha256: "0".repeat(64) } }]), { format: "tekton", dsse: false });
    expect(Result.isSuccess(await storeWithLogs(store.store({ run: runOf(), artifact: legacy })).then((r) => r.result))).toBe(true);
    expect(port.calls).toBe(0);
  });

  it("with storage.oci.repository, reads and writes the same override repository (defect #15)", async () => {
    const image = await pushTestImage(shared.direct, { registry: shared.registry.host, repository: "orig/app" }, "v1");
    const sigTag = `sha256-${hexOf(image.digest)}.sig`;
    // A signature already next to the image must not be copied into, nor overwrite, the override.
    await Effect.runPromise(
      writeSignatureLayer(shared.direct, {
        repo: { registry: shared.registry.host, repository: "orig/app" },
        imageDigest: image.digest,
        kind: "sig",
        layer: simpleSigningLayer({ payload: new TextEncoder().encode("{}"), signature: new Uint8Array([1]), certificatePem: "", chainPem: "" }),
      }),
    );
    const store = storeFor({ "storage.oci.repository": `${shared.registry.host}/sigs/store` });
    const other = generateKeyPairSync("ec", { namedCurve: "P-256" });
    await Effect.runPromise(quietly(store.store({ run: runOf(), artifact: imageSignature(`${shared.registry.host}/orig/app`, image.digest) })));
    await Effect.runPromise(quietly(store.store({ run: runOf(), artifact: imageSignature(`${shared.registry.host}/orig/app`, image.digest, other.privateKey) })));
    const override = await inspectRaw(shared.registry.host, "sigs/store", sigTag);
    expect(override.layers).toHaveLength(2);
    expect(override.layers[0]!.digest).toBe(override.layers[1]!.digest);
    expect((await inspectRaw(shared.registry.host, "orig/app", sigTag)).layers).toHaveLength(1);
    expect(await listTags(shared.registry.host, "sigs/store")).toEqual([sigTag]);
  });

  it("writes Docker media types when COSIGN_DOCKER_MEDIA_TYPES is true", async () => {
    const image = await pushTestImage(shared.direct, { registry: shared.registry.host, repository: "docker/types" }, "v1");
    await Effect.runPromise(quietly(storeFor({}, { COSIGN_DOCKER_MEDIA_TYPES: "1" }).store({ run: runOf(), artifact: imageSignature(`${shared.registry.host}/docker/types`, image.digest) })));
    const sig = await inspectRaw(shared.registry.host, "docker/types", `sha256-${hexOf(image.digest)}.sig`);
    expect(sig.mediaType).toBe("application/vnd.docker.distribution.manifest.v2+json");
    expect(sig.config.mediaType).toBe("application/vnd.docker.container.image.v1+json");
  });

  it("sigstore-bundle: an attestation becomes a referrer (fallback tag on distribution 2.8) whose bundle verifies", async () => {
    const image = await pushTestImage(shared.direct, { registry: shared.registry.host, repository: "bundle/app" }, "v1");
    const statement = statementOf([{ name: `${shared.registry.host}/bundle/app`, digest: { sha256: hexOf(image.digest) } }]);
    const store = storeFor({ "storage.oci.encoding-format": "sigstore-bundle" });
    const artifact = attestation(statement);
    await Effect.runPromise(quietly(store.store({ run: runOf(), artifact })));
    const fallback = `sha256-${hexOf(image.digest)}`;
    expect(await listTags(shared.registry.host, "bundle/app")).toContain(fallback);
    const index = JSON.parse(
      await skopeo("inspect", "--raw", "--tls-verify=false", `docker://${shared.registry.host}/bundle/app:${fallback}`),
    ) as { manifests: Array<{ digest: string; artifactType: string }> };
    expect(index.manifests).toHaveLength(1);
    expect(index.manifests[0]!.artifactType).toBe("application/vnd.dev.sigstore.bundle.v0.3+json");
    const referrer = await inspectRaw(shared.registry.host, "bundle/app", index.manifests[0]!.digest);
    const layout = await copyToLayout(shared.registry.host, "bundle/app", index.manifests[0]!.digest);
    try {
      const bundle = JSON.parse((await layout.blob(referrer.layers[0]!.digest)).toString("utf8")) as {
        verificationMaterial: { publicKey: { hint: string } };
        dsseEnvelope: { payload: string; payloadType: string; signatures: Array<{ sig: string }> };
      };
      const spki = publicKey.export({ type: "spki", format: "der" });
      expect(bundle.verificationMaterial.publicKey.hint).toBe(createHash("sha256").update(spki).digest("base64"));
      const payload = Buffer.from(bundle.dsseEnvelope.payload, "base64");
      expect(payload.toString("utf8")).toBe(statement);
      const sig = Buffer.from(bundle.dsseEnvelope.signatures[0]!.sig, "base64");
      expect(await opensslVerifies(publicKeyPem, pae(bundle.dsseEnvelope.payloadType, payload), sig)).toBe(true);
    } finally {
      await layout.dispose();
    }
    // Storing the same bundle again finds it among the referrers and writes nothing.
    await Effect.runPromise(quietly(store.store({ run: runOf(), artifact })));
    const again = JSON.parse(
      await skopeo("inspect", "--raw", "--tls-verify=false", `docker://${shared.registry.host}/bundle/app:${fallback}`),
    ) as { manifests: unknown[] };
    expect(again.manifests).toHaveLength(1);
  });

  it("sigstore-bundle: a PGP signature is refused before any registry call, naming the keys to change", async () => {
    const port = countingRegistry();
    const store = storeFor({ "storage.oci.encoding-format": "sigstore-bundle" }, {}, port);
    const digest = `sha256:${"1".repeat(64)}`;
    const image: SignedArtifact = {
      ...imageSignature(`${shared.registry.host}/bundle/pgp`, digest),
      id: `oci:${"1".repeat(12)}/cosign/sign/v1`,
      format: "cosign/sign/v1",
      payload: cosignSignStatement(digest),
      dsse: true,
      signer: "pgp",
      image: { repository: `${shared.registry.host}/bundle/pgp`, digest },
    };
    const run = attestation(statementOf([{ name: `${shared.registry.host}/bundle/pgp`, digest: { sha256: "1".repeat(64) } }]), {
      signer: "pgp",
    });
    for (const [artifact, key] of [[image, "artifacts.oci.signer"], [run, "artifacts.taskrun.signer"]] as const) {
      const failure: StorageFailed = await failureOf(store.store({ run: runOf(), artifact }));
      expect(failure.backend).toBe("oci");
      expect(failure.reason).toContain(`${key} pgp cannot make`);
      expect(failure.reason).toContain("storage.oci.encoding-format");
    }
    expect(port.calls).toBe(0);
  });

  it("an image signature planned as simplesigning before a switch to sigstore-bundle is stored as planned, with a warning", async () => {
    const image = await pushTestImage(shared.direct, { registry: shared.registry.host, repository: "bundle/switched" }, "v1");
    const store = storeFor({ "storage.oci.encoding-format": "sigstore-bundle" });
    const { result, lines } = await storeWithLogs(
      store.store({ run: runOf(), artifact: imageSignature(`${shared.registry.host}/bundle/switched`, image.digest) }),
    );
    expect(Result.isSuccess(result)).toBe(true);
    expect(lines.filter((l) => l.startsWith("Warn") && l.includes("planned before storage.oci.encoding-format"))).toHaveLength(1);
    expect([...(await listTags(shared.registry.host, "bundle/switched"))].sort()).toEqual([`sha256-${hexOf(image.digest)}.sig`, "v1"]);
  });

  describe("registry credentials of the run's ServiceAccount (htpasswd registry)", () => {
    const password = `pw-${Math.random().toString(36).slice(2)}`;
    let secured: RunningRegistry;
    let image: { digest: `sha256:${string}` };
    const credentials = new InMemoryRegistryCredentials();
    const dockerconfig = (host: string, user: string, pass: string) =>
      JSON.stringify({ auths: { [host]: { auth: b64(`${user}:${pass}`) } } });

    beforeAll(async () => {
      secured = await startRegistry({ auth: { kind: "htpasswd", username: "builder", password } });
      credentials.setServiceAccount("ci", "builder", [
        { name: "unrelated", type: "Opaque", data: { token: "x" } },
        { name: "registry-push", type: "kubernetes.io/dockerconfigjson", data: { ".dockerconfigjson": dockerconfig(secured.host, "builder", password) } },
      ]);
      credentials.setServiceAccount("ci", "broken", [
        { name: "bad-config", type: "kubernetes.io/dockercfg", data: { ".dockercfg": `{"${secured.host}": "${password}"` } },
      ]);
      const pusher = distributionSession({ insecure: false, keychain: () => Effect.succeed(basicCredential("builder", password)) });
      image = await pushTestImage(pusher, { registry: secured.host, repository: "private/app" }, "v1");
    });
    afterAll(async () => {
      await secured?.stop();
    });

    const securedStore = () =>
      makeOciArtifactStore({ registry: countingRegistry(), config: configOf({}), credentials, env: {} });

    it("signs with the ServiceAccount's dockerconfigjson Secret", async () => {
      await Effect.runPromise(quietly(securedStore().store({ run: runOf("builder", "ci"), artifact: imageSignature(`${secured.host}/private/app`, image.digest) })));
      expect(credentials.lookups()).toContain("ci/builder");
    });

    it("fails without credentials, or with a malformed Secret, and never shows the password", async () => {
      const anonymous = await failureOf(securedStore().store({ run: runOf("default", "ci"), artifact: imageSignature(`${secured.host}/private/app`, image.digest) }));
      expect(anonymous.reason).toMatch(/unauthorized/);
      const broken = await failureOf(securedStore().store({ run: runOf("broken", "ci"), artifact: imageSignature(`${secured.host}/private/app`, image.digest) }));
      expect(broken.reason).toMatch(/ServiceAccount ci\/broken.*Secret bad-config key \.dockercfg/);
      for (const failure of [anonymous, broken]) {
        expect(failure.reason).not.toContain(password);
        expect(JSON.stringify(failure)).not.toContain(password);
      }
    });
  });
});
