import type { RunObject } from "../run/run-object.ts";
import type { SignedArtifact } from "../signing-pass/signing-artifacts.ts";

/** One object the gcs backend writes: its name in the bucket and its raw bytes. */
export interface GcsObject {
  readonly name: string;
  readonly bytes: Uint8Array;
}

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

/** `taskrun-<namespace>-<name>` or `pipelinerun-<namespace>-<name>`: the folder of a run's objects. */
export const gcsRunPrefix = (run: Pick<RunObject, "kind" | "metadata">): string =>
  `${run.kind.toLowerCase()}-${run.metadata.namespace}-${run.metadata.name}`;

/**
 * The objects for one signed artifact, in the reference's write order (storage.md §6): signature,
 * payload, cert, chain. `.cert` and `.chain` are written even when empty, as the reference does.
 */
export const gcsObjects = (
  run: Pick<RunObject, "kind" | "metadata">,
  artifact: Pick<SignedArtifact, "shortKey" | "signature" | "payload" | "certificatePem" | "chainPem">,
): ReadonlyArray<GcsObject> => {
  const base = `${gcsRunPrefix(run)}/${artifact.shortKey}`;
  return [
    { name: `${base}.signature`, bytes: artifact.signature },
    { name: `${base}.payload`, bytes: utf8(artifact.payload) },
    { name: `${base}.cert`, bytes: utf8(artifact.certificatePem) },
    { name: `${base}.chain`, bytes: utf8(artifact.chainPem) },
  ];
};
