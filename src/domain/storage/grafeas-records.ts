import { Data, Result } from "effect";
import { encodeStdBase64 as base64 } from "../dsse/base64.ts";
import { IN_TOTO_PAYLOAD_TYPE, parseEnvelope } from "../dsse/envelope.ts";
import { slsaFormats } from "../formats/slsa-formats.ts";
import { isJsonObject, parseJsonObjectText } from "../oci/json-object.ts";
import { simpleSigningLayerMediaType } from "../oci/media-types.ts";
import type { RunObject } from "../run/run-object.ts";
import type { SignedArtifact } from "../signing-pass/signing-artifacts.ts";

/** An artifact grafeas cannot record (storage.md §8 accepts simplesigning and SLSA statements only). */
export class GrafeasUnsupported extends Data.TaggedError("GrafeasUnsupported")<{ readonly reason: string }> {}

/** A Container Analysis note and the occurrences that refer to it, as REST JSON bodies. */
export interface GrafeasRecords {
  readonly noteId: string;
  readonly note: Readonly<Record<string, unknown>>;
  readonly occurrences: ReadonlyArray<{ readonly resourceUri: string; readonly body: Readonly<Record<string, unknown>> }>;
}

export interface GrafeasSettings {
  readonly projectId: string;
  /** `storage.grafeas.noteid`; empty means `tekton-<namespace>` of each object (defect #6). */
  readonly noteId: string;
  readonly noteHint: string;
}

const slsaV1PredicateType = "https://slsa.dev/provenance/v1";

/** The note id prefix for one object: the configured one, else derived from its own namespace. */
export const grafeasNotePrefix = (settings: Pick<GrafeasSettings, "noteId">, run: Pick<RunObject, "metadata">): string =>
  settings.noteId !== "" ? settings.noteId : `tekton-${run.metadata.namespace}`;

const unsupported = (reason: string) => Result.fail(new GrafeasUnsupported({ reason }));

const simpleSigning = (settings: GrafeasSettings, prefix: string, artifact: SignedArtifact): GrafeasRecords => {
  const noteId = `${prefix}-simplesigning`;
  const payload = base64(new TextEncoder().encode(artifact.payload));
  const signature = base64(artifact.signature);
  return {
    noteId,
    note: {
      shortDescription: "OCI Artifact Attestation Note",
      attestation: { hint: { humanReadableName: settings.noteHint } },
    },
    occurrences: [
      {
        resourceUri: artifact.fullKey,
        body: {
          resourceUri: artifact.fullKey,
          noteName: `projects/${settings.projectId}/notes/${noteId}`,
          attestation: { serializedPayload: payload, signatures: [{ signature, publicKeyId: artifact.keyId }] },
          envelope: {
            payload,
            payloadType: simpleSigningLayerMediaType,
            signatures: [{ sig: signature, keyid: artifact.keyId }],
          },
        },
      },
    ],
  };
};

/**
 * The build details per predicate type (defect #20): SLSA v1.0 statements keep their predicate in
 * `inTotoSlsaProvenanceV1`; v0.2 statements go to `intotoStatement.slsaProvenanceZeroTwo`.
 */
const buildDetails = (statement: Record<string, unknown>): Record<string, unknown> => {
  const { _type, subject, predicateType, predicate } = statement;
  return predicateType === slsaV1PredicateType
    ? { inTotoSlsaProvenanceV1: { _type, subject, predicateType, predicate } }
    : { intotoStatement: { _type, subject, predicateType, slsaProvenanceZeroTwo: predicate } };
};

/** `<name>@<alg>:<hex>` for every digest of every subject, in statement order. */
const subjectUris = (subjects: unknown): ReadonlyArray<string> =>
  (Array.isArray(subjects) ? subjects : []).flatMap((subject) =>
    isJsonObject(subject) && typeof subject["name"] === "string" && isJsonObject(subject["digest"])
      ? Object.entries(subject["digest"]).map(([alg, hex]) => `${subject["name"] as string}@${alg}:${String(hex)}`)
      : [],
  );

const slsa = (
  settings: GrafeasSettings,
  prefix: string,
  run: Pick<RunObject, "kind">,
  artifact: SignedArtifact,
): Result.Result<GrafeasRecords, GrafeasUnsupported> => {
  const statement = parseJsonObjectText(artifact.payload);
  if (statement === undefined) return unsupported("the SLSA payload is not a JSON object");
  const envelope = parseEnvelope(new TextDecoder().decode(artifact.signature));
  if (Result.isFailure(envelope)) return unsupported(`the signature is not a DSSE envelope: ${envelope.failure.reason}`);
  // A statement without subjects gets its note and no occurrences, as in the reference.
  const uris = subjectUris(statement["subject"]);
  const noteId = `${prefix}-${run.kind.toLowerCase()}-intoto`;
  const details = buildDetails(statement);
  const envelopeBody = {
    payload: base64(new TextEncoder().encode(artifact.payload)),
    payloadType: IN_TOTO_PAYLOAD_TYPE,
    signatures: [{ sig: base64(artifact.signature), keyid: envelope.success.signatures[0]?.keyid ?? "" }],
  };
  return Result.succeed({
    noteId,
    note: {
      shortDescription: `Build Provenance Note for ${run.kind}`,
      build: { builderVersion: `tekton.dev/v1/${run.kind}` },
    },
    occurrences: uris.map((resourceUri) => ({
      resourceUri,
      body: {
        resourceUri,
        noteName: `projects/${settings.projectId}/notes/${noteId}`,
        build: details,
        envelope: envelopeBody,
      },
    })),
  });
};

/** The note and occurrences for one signed object (storage.md §8, with defects #6 and #20 fixed). */
export const grafeasRecords = (
  settings: GrafeasSettings,
  run: Pick<RunObject, "kind" | "metadata">,
  artifact: SignedArtifact,
): Result.Result<GrafeasRecords, GrafeasUnsupported> => {
  const prefix = grafeasNotePrefix(settings, run);
  if (artifact.format === "simplesigning") return Result.succeed(simpleSigning(settings, prefix, artifact));
  if (slsaFormats.has(artifact.format)) return slsa(settings, prefix, run, artifact);
  return unsupported(`grafeas stores simplesigning and SLSA provenance only, not format '${artifact.format}'`);
};
