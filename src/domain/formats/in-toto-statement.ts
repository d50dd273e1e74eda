import { compareCodePoints } from "../serialization/go-value.ts";
import { protoJson } from "../serialization/proto-json.ts";
import type { DigestedArtifact } from "../type-hinting/digest-set.ts";

export const statementV01 = "https://in-toto.io/Statement/v0.1";
export const statementV1 = "https://in-toto.io/Statement/v1";

const subjectJson = (subject: DigestedArtifact): string => {
  const digest = Object.keys(subject.digest)
    .sort(compareCodePoints)
    .map((alg) => `${JSON.stringify(alg)}:${JSON.stringify(subject.digest[alg])}`)
    .join(",");
  return `{"name":${JSON.stringify(subject.name)},"digest":{${digest}}}`;
};

/**
 * The protojson text of an in-toto `Statement`: `_type`, `subject` (left out when empty),
 * `predicateType`, then the predicate with keys sorted at every depth.
 */
export const statementJson = (
  type: string,
  subjects: ReadonlyArray<DigestedArtifact>,
  predicateType: string,
  predicate: unknown,
): string => {
  const subject = subjects.length === 0 ? "" : `"subject":[${subjects.map(subjectJson).join(",")}],`;
  return `{"_type":${JSON.stringify(type)},${subject}"predicateType":${JSON.stringify(predicateType)},"predicate":${protoJson(predicate)}}`;
};
