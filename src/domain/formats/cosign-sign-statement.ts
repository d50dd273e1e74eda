import { goJson } from "../serialization/go-json.ts";
import type { GoValue } from "../serialization/go-value.ts";
import { statementV1 } from "./in-toto-statement.ts";

/** The predicate type of a cosign 3.x image signature; also the bundle referrer's predicateType annotation. */
export const cosignSignPredicateType = "https://sigstore.dev/cosign/sign/v1";

/** What a signing pass calls the payload of an image signature made as a cosign/sign/v1 statement. */
export const cosignSignFormat = "cosign/sign/v1";
export type CosignSignFormat = typeof cosignSignFormat;

/**
 * The in-toto Statement v1 that `cosign sign --new-bundle-format` (cosign 3.x) signs for an image,
 * in cosign's key order: `_type`, `subject`, `predicateType`, `predicate`. The subject has no name,
 * only the digest split at its colon; it carries `"annotations":{}` because cosign always sets the
 * (empty) annotations Struct, which protojson writes out. Signed through DSSE over the PAE.
 */
export const cosignSignStatement = (digest: string): string => {
  const colon = digest.indexOf(":");
  const subject = new Map<string, GoValue>([
    ["digest", new Map<string, GoValue>([[digest.slice(0, colon), digest.slice(colon + 1)]])],
    ["annotations", new Map()],
  ]);
  return goJson(
    new Map<string, GoValue>([
      ["_type", statementV1],
      ["subject", [subject]],
      ["predicateType", cosignSignPredicateType],
      ["predicate", new Map()],
    ]),
  );
};
