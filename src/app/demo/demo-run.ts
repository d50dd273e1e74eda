import { createPublicKey } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { InMemoryArtifactStore } from "../../adapters/memory/in-memory-artifact-store.ts";
import { runShortKey } from "../../domain/annotations/chains-annotations.ts";
import { preAuthEncoding } from "../../domain/dsse/pae.ts";
import type { RunRef } from "../../domain/run/run-ref.ts";
import { EmbeddedChains } from "../harness/embedded-chains.ts";
import { sampleRuns } from "./sample-runs.ts";

export interface DemoOptions {
  readonly outDir: string;
  readonly config?: Readonly<Record<string, string>>;
  /** The user's own keys (`--signing-secrets DIR`); a throwaway key is generated otherwise. */
  readonly signingSecrets?: ReadonlyMap<string, Uint8Array>;
  readonly print: (line: string) => void;
}

export interface DemoResult {
  readonly outcomes: ReadonlyArray<{ readonly ref: RunRef; readonly signed: "true" | "failed" }>;
}

/** The public half of the user's keys: their `cosign.pub`, or derived from an unencrypted `x509.pem`. */
const userPublicKey = (secrets: ReadonlyMap<string, Uint8Array> | undefined): string => {
  const cosignPub = secrets?.get("cosign.pub");
  if (cosignPub !== undefined) return Buffer.from(cosignPub).toString("utf8");
  const x509 = secrets?.get("x509.pem");
  if (x509 === undefined) return "";
  try {
    return createPublicKey(Buffer.from(x509)).export({ type: "spki", format: "pem" }).toString();
  } catch {
    return "";
  }
};

const label = (ref: RunRef) => `${ref.kind} ${ref.namespace}/${ref.name}`;
const b64 = (text: string | undefined): Buffer => Buffer.from(text ?? "", "base64");

/**
 * The demo: the real controller over the in-memory cluster signs a TaskRun that builds an image,
 * a TaskRun that fails, and a PipelineRun with two child TaskRuns, then writes what a user needs
 * to check the signatures with openssl or cosign.
 */
export const runDemo = async (options: DemoOptions): Promise<DemoResult> => {
  const oci = new InMemoryArtifactStore("oci");
  const chains = await EmbeddedChains.start({
    ...(options.config === undefined ? {} : { config: options.config }),
    ...(options.signingSecrets === undefined ? {} : { signingSecrets: Object.fromEntries(options.signingSecrets) }),
    stores: [oci],
    hooks: { onTransition: (ref, state) => options.print(`  ${label(ref).padEnd(48)} → ${state}`) },
  });
  try {
    const { taskRuns, pipelineRun } = sampleRuns();
    const [buildImage, flakyTests, ...children] = taskRuns.map((run) => chains.createRun(run));
    const pipeline = chains.createRun(pipelineRun);
    options.print("Seeded 4 TaskRuns and 1 PipelineRun; completing them as Tekton Pipelines would:");
    chains.completeRun(buildImage!);
    chains.completeRun(flakyTests!, false);
    for (const child of children) chains.completeRun(child);
    chains.completeRun(pipeline);
    const refs = [buildImage!, flakyTests!, ...children, pipeline];
    const outcomes = [];
    for (const ref of refs) outcomes.push({ ref, signed: await chains.awaitSigned(ref, 60_000) });

    await mkdir(options.outDir, { recursive: true });
    const publicKeyPem = chains.publicKeyPem || userPublicKey(options.signingSecrets);
    if (publicKeyPem !== "") await writeFile(join(options.outDir, "cosign.pub"), publicKeyPem);
    for (const ref of refs)
      await writeFile(join(options.outDir, `${ref.kind.toLowerCase()}-${ref.name}.json`), JSON.stringify(chains.cluster.getRun(ref), null, 2) + "\n");

    // The build TaskRun's provenance, split into the files openssl needs: the DSSE PAE and the DER signature.
    const built = chains.cluster.getRun(buildImage!)!;
    const key = runShortKey("TaskRun", built.metadata.uid!);
    const annotations = built.metadata.annotations ?? {};
    const payload = b64(annotations[`chains.tekton.dev/payload-${key}`]);
    const envelope = JSON.parse(b64(annotations[`chains.tekton.dev/signature-${key}`]).toString("utf8") || "{}") as {
      payloadType?: string;
      signatures?: Array<{ sig: string }>;
    };
    await writeFile(join(options.outDir, "build-image.provenance.json"), payload);
    await writeFile(join(options.outDir, "build-image.pae"), preAuthEncoding(envelope.payloadType ?? "", payload));
    await writeFile(join(options.outDir, "build-image.pae.sig"), b64(envelope.signatures?.[0]?.sig));
    // The image signature went to the (in-memory) registry: a simplesigning payload and its raw signature.
    const image = oci.stored().find((s) => s.artifactId.startsWith("oci:"));
    if (image !== undefined) {
      await writeFile(join(options.outDir, "image.payload.json"), image.payload);
      await writeFile(join(options.outDir, "image.sig"), Buffer.from(image.signature).toString("base64"));
    }

    const out = options.outDir;
    const pub = publicKeyPem === "" ? "YOUR-PUBLIC-KEY.pem" : `${out}/cosign.pub`;
    options.print("");
    for (const { ref, signed } of outcomes) options.print(`  ${label(ref).padEnd(48)} chains.tekton.dev/signed=${signed}`);
    options.print("");
    options.print(`Wrote the public key, every run's final object and the signed files to ${out}/. Check them with:`);
    options.print(`  openssl dgst -sha256 -verify ${pub} -signature ${out}/build-image.pae.sig ${out}/build-image.pae`);
    if (image !== undefined)
      options.print(`  cosign verify-blob --key ${pub} --signature ${out}/image.sig ${out}/image.payload.json`);
    options.print(`  bin/chains-ts verify --key ${pub} ${out}/taskrun-build-image.json`);
    return { outcomes };
  } finally {
    await chains.stop();
  }
};
