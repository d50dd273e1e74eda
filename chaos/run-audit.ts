import { opensslVerifies, pae } from "../test/oci-storage/oci-fixtures.ts";
import { type ChaosWorld, type ImageRun, signatureTags } from "./chaos-world.ts";

const COSIGN_SIGNATURE = "dev.cosignproject.cosign/signature";

/** What the audit found, as names (`run` or `run tag`) so the report can say which. */
export interface RunAudit {
  readonly runs: number;
  /** Not `signed: "true"` when the scenario ended. */
  readonly lost: ReadonlyArray<string>;
  /** Marked signed, but a signature (on the run, or a `.sig`/`.att` layer) is missing or does not verify with openssl. */
  readonly badSignatures: ReadonlyArray<string>;
  /** Settled (signed or failed) and still carrying the chains finalizer. */
  readonly finalizersLeft: ReadonlyArray<string>;
  /** Signature tags holding more than one layer. */
  readonly duplicateLayers: ReadonlyArray<string>;
  /** Of those, tags that already held a layer when a kill fell before the run was annotated. */
  readonly duplicatesBetweenStoreAndAnnotate: ReadonlyArray<string>;
}

interface Envelope {
  readonly payloadType: string;
  readonly payload: string;
  readonly signatures: ReadonlyArray<{ readonly sig: string }>;
}

const envelopeVerifies = async (publicKeyPem: string, envelope: Envelope): Promise<boolean> => {
  const signature = envelope.signatures[0]?.sig;
  if (signature === undefined) return false;
  return opensslVerifies(publicKeyPem, pae(envelope.payloadType, Buffer.from(envelope.payload, "base64")), Buffer.from(signature, "base64"));
};

/** The run's provenance annotations: the payload is the envelope's, and the envelope verifies over the DSSE PAE. */
const provenanceVerifies = async (world: ChaosWorld, name: string): Promise<boolean> => {
  const { uid, annotations = {} } = world.metadata(name);
  const payload = annotations[`chains.tekton.dev/payload-taskrun-${uid}`];
  const signature = annotations[`chains.tekton.dev/signature-taskrun-${uid}`];
  if (payload === undefined || signature === undefined) return false;
  const envelope = JSON.parse(Buffer.from(signature, "base64").toString()) as Envelope;
  return envelope.payload === Buffer.from(payload, "base64").toString("base64") && envelopeVerifies(world.publicKeyPem, envelope);
};

/** Every layer of a `.sig` (signature over the blob) or `.att` (a DSSE envelope) tag verifies; an empty or missing tag does not. */
const tagVerifies = async (world: ChaosWorld, run: ImageRun, tag: string): Promise<boolean> => {
  const manifest = await world.manifest(run.repository, tag);
  if (manifest === undefined || manifest.layers.length === 0) return false;
  for (const layer of manifest.layers) {
    const blob = await world.blob(run.repository, layer.digest);
    const ok = tag.endsWith(".sig")
      ? await opensslVerifies(world.publicKeyPem, blob, Buffer.from(layer.annotations?.[COSIGN_SIGNATURE] ?? "", "base64"))
      : await envelopeVerifies(world.publicKeyPem, JSON.parse(blob.toString()) as Envelope);
    if (!ok) return false;
  }
  return true;
};

/**
 * Checks every run of a scenario once it is over. `explained` holds `run tag` keys whose tag already
 * had a layer when a kill fell before the run was annotated: a second layer there is expected.
 */
export const auditRuns = async (world: ChaosWorld, runs: ReadonlyArray<ImageRun>, explained: ReadonlySet<string> = new Set()): Promise<RunAudit> => {
  const lost: Array<string> = [];
  const badSignatures: Array<string> = [];
  const finalizersLeft: Array<string> = [];
  const duplicateLayers: Array<string> = [];
  const duplicatesBetweenStoreAndAnnotate: Array<string> = [];
  for (const run of runs) {
    const state = world.signedState(run.name);
    if (state !== "true") lost.push(run.name);
    if ((state === "true" || state === "failed") && world.hasFinalizer(run.name)) finalizersLeft.push(run.name);
    if (state === "true") {
      if (!(await provenanceVerifies(world, run.name))) badSignatures.push(run.name);
      for (const tag of signatureTags(run)) if (!(await tagVerifies(world, run, tag))) badSignatures.push(`${run.name} ${tag}`);
    }
    for (const tag of signatureTags(run)) {
      if (((await world.manifest(run.repository, tag))?.layers.length ?? 0) > 1) {
        const key = `${run.name} ${tag}`;
        duplicateLayers.push(key);
        if (explained.has(key)) duplicatesBetweenStoreAndAnnotate.push(key);
      }
    }
  }
  return { runs: runs.length, lost, badSignatures, finalizersLeft, duplicateLayers, duplicatesBetweenStoreAndAnnotate };
};

/** Waits until every run is signed or failed, or the timeout passes. */
export const awaitSettled = async (world: ChaosWorld, runs: ReadonlyArray<ImageRun>, timeoutMs: number): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (runs.every((run) => ["true", "failed"].includes(world.signedState(run.name) ?? ""))) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
};
