// Which image signatures a pass plans, per `storage.oci.encoding-format` and `artifacts.oci.storage`,
// and (through the embedded controller) that each backend gets a form its readers can verify.
import { Result } from "effect";
import { afterEach, describe, expect, it } from "vitest";
import { InMemoryArtifactStore } from "../../src/adapters/memory/in-memory-artifact-store.ts";
import { sampleRuns } from "../../src/app/demo/sample-runs.ts";
import { EmbeddedChains } from "../../src/app/harness/embedded-chains.ts";
import { planSigningPass } from "../../src/domain/signing-pass/plan-signing-pass.ts";
import type { PlannedArtifact } from "../../src/domain/signing-pass/signing-artifacts.ts";
import { decodeRunObject } from "../../src/domain/run/run-object.ts";
import { describeWithTools, opensslVerifies } from "../support/independent-verifiers.ts";
import { configWith } from "./signing-fixtures.ts";

const buildRun = sampleRuns().taskRuns[0]!;
const imageResult = (name: string): string =>
  (buildRun["status"] as { results: Array<{ name: string; value: string }> }).results.find((r) => r.name === name)!.value;
const imageDigest = imageResult("IMAGE_DIGEST");
const hex = imageDigest.replace(/^sha256:/, "");
const shortKey = hex.slice(0, 12);

const imagePlan = (data: Readonly<Record<string, string>>): ReadonlyArray<PlannedArtifact> => {
  const json = structuredClone(buildRun);
  json.metadata.uid = "uid-1";
  const run = Result.getOrThrow(decodeRunObject(json));
  const plan = Result.getOrThrow(planSigningPass({ run, children: [], missingChildren: [], config: configWith(data) }));
  return plan.artifacts.filter((a) => a.artifact === "oci");
};

const bundleMode = { "storage.oci.encoding-format": "sigstore-bundle" };

/** The parts of a planned image signature that say what is signed, how, and where it goes. */
const shape = (a: PlannedArtifact) => ({ id: a.id, format: a.format, dsse: a.dsse, storage: a.storage });

describe("image signatures in the plan", () => {
  it("with encoding-format dsse: one raw simplesigning signature for every backend", () => {
    const planned = imagePlan({ "artifacts.oci.storage": "tekton,oci" });
    expect(planned.map(shape)).toEqual([{ id: `oci:${shortKey}`, format: "simplesigning", dsse: false, storage: ["tekton", "oci"] }]);
    expect(JSON.parse(planned[0]!.payload).critical.image["docker-manifest-digest"]).toBe(imageDigest);
  });

  it("with sigstore-bundle and only oci: one DSSE signature over the cosign/sign/v1 statement", () => {
    const planned = imagePlan(bundleMode);
    expect(planned.map(shape)).toEqual([{ id: `oci:${shortKey}/cosign/sign/v1`, format: "cosign/sign/v1", dsse: true, storage: ["oci"] }]);
    const statement = JSON.parse(planned[0]!.payload);
    expect(statement.predicateType).toBe("https://sigstore.dev/cosign/sign/v1");
    expect(statement.subject).toEqual([{ digest: { sha256: hex }, annotations: {} }]);
    // cosign's statement names no repository: the bundle's target comes from the planned image.
    expect(planned[0]!.image?.digest).toBe(imageDigest);
    expect(planned[0]!.image?.repository).toBe(imageResult("IMAGE_URL").replace(/:[^:/]+$/, ""));
  });

  it("with sigstore-bundle and other backends too: they keep simplesigning, only oci gets the statement", () => {
    const planned = imagePlan({ ...bundleMode, "artifacts.oci.storage": "tekton,oci,gcs" });
    expect(planned.map(shape)).toEqual([
      { id: `oci:${shortKey}`, format: "simplesigning", dsse: false, storage: ["tekton", "gcs"] },
      { id: `oci:${shortKey}/cosign/sign/v1`, format: "cosign/sign/v1", dsse: true, storage: ["oci"] },
    ]);
    // Both are about the same image, so the tekton annotations keep the image's usual key.
    expect(planned.map((a) => a.shortKey)).toEqual([shortKey, shortKey]);
  });

  it("with sigstore-bundle but no oci backend: nothing changes", () => {
    expect(imagePlan({ ...bundleMode, "artifacts.oci.storage": "tekton" }).map(shape)).toEqual([
      { id: `oci:${shortKey}`, format: "simplesigning", dsse: false, storage: ["tekton"] },
    ]);
  });
});

describeWithTools("openssl")("sigstore-bundle with artifacts.oci.storage tekton,oci in the embedded controller", () => {
  let chains: EmbeddedChains | undefined;
  afterEach(async () => {
    await chains?.stop();
    chains = undefined;
  });

  it("the run's annotations stay a raw simplesigning signature (cosign verify-blob), the oci backend gets DSSE over the PAE", async () => {
    const oci = new InMemoryArtifactStore("oci");
    chains = await EmbeddedChains.start({ config: { ...bundleMode, "artifacts.oci.storage": "tekton,oci" }, stores: [oci] });
    const ref = chains.createRun(structuredClone(buildRun));
    chains.completeRun(ref);
    expect(await chains.awaitSigned(ref)).toBe("true");

    const annotations = chains.annotations(ref);
    const payload = Buffer.from(annotations[`chains.tekton.dev/payload-${shortKey}`] ?? "", "base64");
    const signature = Buffer.from(annotations[`chains.tekton.dev/signature-${shortKey}`] ?? "", "base64");
    expect(JSON.parse(payload.toString("utf8")).critical.type).toBe("cosign container image signature");
    expect(opensslVerifies({ publicKeyPem: chains.publicKeyPem, scheme: "ecdsa-sha256", data: payload, signature })).toBe(true);

    const stored = oci.stored();
    expect(stored.map((s) => s.artifactId)).toEqual([`oci:${shortKey}/cosign/sign/v1`]);
    const envelope = JSON.parse(Buffer.from(stored[0]!.signature).toString("utf8")) as {
      payloadType: string;
      payload: string;
      signatures: Array<{ sig: string }>;
    };
    const statement = Buffer.from(envelope.payload, "base64");
    expect(envelope.payloadType).toBe("application/vnd.in-toto+json");
    expect(JSON.parse(statement.toString("utf8")).subject[0].digest.sha256).toBe(hex);
    const pae = Buffer.concat([Buffer.from(`DSSEv1 28 application/vnd.in-toto+json ${statement.length} `), statement]);
    const sig = Buffer.from(envelope.signatures[0]!.sig, "base64");
    expect(opensslVerifies({ publicKeyPem: chains.publicKeyPem, scheme: "ecdsa-sha256", data: pae, signature: sig })).toBe(true);
    // Both signatures are about the same image.
    expect(JSON.parse(payload.toString("utf8")).critical.image["docker-manifest-digest"]).toBe(`sha256:${hex}`);
  });
});
