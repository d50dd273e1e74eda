import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Effect, Result } from "effect";
import { buildSigner } from "../../adapters/signing/signer-registry.ts";
import type { ChainsConfig } from "../../domain/config/chains-config.ts";
import { parseChainsConfig } from "../../domain/config/parse-chains-config.ts";
import { classifyStoredSignature } from "../../domain/dsse/stored-signature.ts";
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

export type DemoOutcome =
  | { readonly ref: RunRef; readonly signed: "true" }
  | { readonly ref: RunRef; readonly signed: "failed"; readonly reason: string };

export interface DemoResult {
  readonly outcomes: ReadonlyArray<DemoOutcome>;
}

/**
 * The public half of the user's keys, to check the signatures with: their `cosign.pub`, else what
 * the signer for TaskRuns derives from the secrets (SPKI PEM, or an armored PGP public key).
 */
const userPublicKey = async (secrets: ReadonlyMap<string, Uint8Array> | undefined, config: ChainsConfig): Promise<string> => {
  if (secrets === undefined) return "";
  const cosignPub = secrets.get("cosign.pub");
  if (cosignPub !== undefined) return Buffer.from(cosignPub).toString("utf8");
  const name = config.artifacts.taskrun.signer;
  if (name === "none") return "";
  const signer = await Effect.runPromise(Effect.result(buildSigner(name, { secrets, config })));
  return Result.isSuccess(signer) ? signer.success.publicKeyPem : "";
};

const label = (ref: RunRef) => `${ref.kind} ${ref.namespace}/${ref.name}`;
const b64 = (text: string | undefined): Buffer => Buffer.from(text ?? "", "base64");

/** Why a run ended `signed: "failed"`: the last warning Event the controller recorded on it. */
const failureReason = (chains: EmbeddedChains, ref: RunRef): string =>
  chains.cluster
    .events()
    .filter((e) => e.type === "Warning" && e.ref.kind === ref.kind && e.ref.namespace === ref.namespace && e.ref.name === ref.name)
    .at(-1)?.message ?? "no Event says why";

/**
 * The demo: the real controller over the in-memory cluster signs a TaskRun that builds an image,
 * a TaskRun that fails, and a PipelineRun with two child TaskRuns, then writes what a user needs
 * to check the signatures, with the tool that fits the signer: openssl or cosign for x509, cosign
 * and KMS keys, gpg for PGP, nothing for `signer: none`. The config must be valid (the command
 * checks it) and `outDir` writable.
 */
export const runDemo = async (options: DemoOptions): Promise<DemoResult> => {
  const parsedConfig = parseChainsConfig(options.config ?? {});
  if (Result.isFailure(parsedConfig)) throw new Error(`chains-config: ${parsedConfig.failure.message}`);
  const config = parsedConfig.success.config;
  await mkdir(options.outDir, { recursive: true });
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
    const outcomes: Array<DemoOutcome> = [];
    for (const ref of refs) {
      const signed = await chains.awaitSigned(ref, 60_000);
      outcomes.push(signed === "true" ? { ref, signed } : { ref, signed, reason: failureReason(chains, ref) });
    }

    const out = options.outDir;
    const publicKey = chains.publicKeyPem || (await userPublicKey(options.signingSecrets, config));
    const publicKeyFile = publicKey.includes("PGP PUBLIC KEY") ? "pgp.pub.asc" : "cosign.pub";
    if (publicKey !== "") await writeFile(join(out, publicKeyFile), publicKey);
    // Signers may differ per artifact type (a PGP key for runs, x509 for images): each check names the key it needs.
    const pub = publicKey === "" || publicKeyFile !== "cosign.pub" ? "YOUR-PUBLIC-KEY.pem" : join(out, publicKeyFile);
    for (const ref of refs)
      await writeFile(join(out, `${ref.kind.toLowerCase()}-${ref.name}.json`), JSON.stringify(chains.cluster.getRun(ref), null, 2) + "\n");

    const checks: Array<string> = [];
    const unsigned: Array<string> = [];
    // The build TaskRun's provenance, in the files its signature's checker needs.
    const built = chains.cluster.getRun(buildImage!)!;
    const key = runShortKey("TaskRun", built.metadata.uid!);
    const annotations = built.metadata.annotations ?? {};
    const signatureText = annotations[`chains.tekton.dev/signature-${key}`];
    if (signatureText !== undefined) {
      const payload = b64(annotations[`chains.tekton.dev/payload-${key}`]);
      const payloadFile = join(out, "build-image.provenance.json");
      await writeFile(payloadFile, payload);
      const stored = classifyStoredSignature(b64(signatureText));
      if (stored._tag === "Envelope") {
        const pae = join(out, "build-image.pae");
        await writeFile(pae, preAuthEncoding(stored.envelope.payloadType, stored.envelope.payload));
        await writeFile(`${pae}.sig`, stored.envelope.signatures[0]?.sig ?? new Uint8Array());
        checks.push(`openssl dgst -sha256 -verify ${pub} -signature ${pae}.sig ${pae}`);
      } else if (stored._tag === "Raw") {
        await writeFile(`${payloadFile}.sig`, stored.signature);
        checks.push(`openssl dgst -sha256 -verify ${pub} -signature ${payloadFile}.sig ${payloadFile}`);
      } else if (stored._tag === "Pgp") {
        await writeFile(`${payloadFile}.asc`, stored.armored);
        if (publicKeyFile === "pgp.pub.asc") checks.push(`gpg --import ${join(out, publicKeyFile)}`);
        checks.push(`gpg --verify ${payloadFile}.asc ${payloadFile}`);
      } else unsigned.push("the build TaskRun's provenance");
    }
    // The image signature went to the (in-memory) registry: a simplesigning payload and its signature.
    const image = oci.stored().find((s) => s.artifactId.startsWith("oci:"));
    if (image !== undefined) {
      const payloadFile = join(out, "image.payload.json");
      await writeFile(payloadFile, image.payload);
      const stored = classifyStoredSignature(image.signature);
      if (stored._tag === "Raw") {
        await writeFile(join(out, "image.sig"), Buffer.from(stored.signature).toString("base64"));
        checks.push(`cosign verify-blob --key ${pub} --signature ${join(out, "image.sig")} ${payloadFile}`);
      } else if (stored._tag === "Pgp") {
        await writeFile(`${payloadFile}.asc`, stored.armored);
        checks.push(`gpg --verify ${payloadFile}.asc ${payloadFile}`);
      } else unsigned.push("the image's simplesigning payload");
    }
    if (checks.length > 0 && publicKeyFile === "cosign.pub") checks.push(`bin/chains-ts verify --key ${pub} ${join(out, "taskrun-build-image.json")}`);

    options.print("");
    for (const { ref, signed } of outcomes) options.print(`  ${label(ref).padEnd(48)} chains.tekton.dev/signed=${signed}`);
    options.print("");
    options.print(`Wrote ${publicKey === "" ? "" : "the public key, "}every run's final object and the signed files to ${out}/.`);
    if (unsigned.length > 0) options.print(`signer none: ${unsigned.join(" and ")} are stored unsigned; there is no signature to check.`);
    if (checks.length > 0) {
      options.print("Check them with:");
      for (const check of checks) options.print(`  ${check}`);
    }
    return { outcomes };
  } finally {
    await chains.stop();
  }
};
