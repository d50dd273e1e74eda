import { Data, Result } from "effect";
import { isJsonObject as isRecord } from "../oci/json-object.ts";
import { goQuote } from "../serialization/go-json.ts";
import { decodeStdBase64, decodeUrlBase64, encodeStdBase64 as base64 } from "./base64.ts";
import { parseJsonText } from "../serialization/json-text.ts";

/** The DSSE payload type of every in-toto statement Chains signs (signing.md §4). */
export const IN_TOTO_PAYLOAD_TYPE = "application/vnd.in-toto+json";

export interface DsseSignature {
  /** OpenSSH SHA-256 fingerprint of the signing key, or "" (signing.md §4). */
  readonly keyid: string;
  /** The raw signature over the PAE (for ECDSA: ASN.1 DER). */
  readonly sig: Uint8Array;
}

export interface DsseEnvelope {
  readonly payloadType: string;
  /** The raw payload bytes (the envelope's JSON carries them base64-encoded). */
  readonly payload: Uint8Array;
  readonly signatures: ReadonlyArray<DsseSignature>;
}

/** Text that is not a DSSE envelope; `reason` says which part is wrong. */
export class EnvelopeInvalid extends Data.TaggedError("EnvelopeInvalid")<{ readonly reason: string }> {}

/**
 * The envelope as go-securesystemslib writes it and storage/Rekor receive it: compact Go JSON, keys
 * in struct order (`payloadType`, `payload`, `signatures[].keyid`, `signatures[].sig`), standard
 * padded base64, no trailing newline.
 */
export const serializeEnvelope = (env: DsseEnvelope): string => {
  const signatures = env.signatures.map((s) => `{"keyid":${goQuote(s.keyid)},"sig":"${base64(s.sig)}"}`).join(",");
  return `{"payloadType":${goQuote(env.payloadType)},"payload":"${base64(env.payload)}","signatures":[${signatures}]}`;
};

/** Like go-securesystemslib's `b64Decode`: padded standard base64, else padded URL-safe base64. */
const decodeBase64 = (text: string): Uint8Array | undefined => decodeStdBase64(text) ?? decodeUrlBase64(text);

const invalid = (reason: string) => Result.fail(new EnvelopeInvalid({ reason }));

/** Reads DSSE envelope JSON; a missing keyid is "", every other field is required. */
export const parseEnvelope = (text: string): Result.Result<DsseEnvelope, EnvelopeInvalid> => {
  let json: unknown;
  try {
    json = parseJsonText(text);
  } catch (error) {
    return invalid(`not JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!isRecord(json)) return invalid("not a JSON object");
  const { payloadType, payload, signatures } = json;
  if (typeof payloadType !== "string") return invalid("payloadType is missing or not a string");
  if (typeof payload !== "string") return invalid("payload is missing or not a string");
  const payloadBytes = decodeBase64(payload);
  if (payloadBytes === undefined) return invalid("payload is not base64");
  if (!Array.isArray(signatures)) return invalid("signatures is missing or not an array");
  const parsed: Array<DsseSignature> = [];
  for (const [index, entry] of signatures.entries()) {
    if (!isRecord(entry)) return invalid(`signatures[${index}] is not an object`);
    const keyid = entry["keyid"] ?? "";
    if (typeof keyid !== "string") return invalid(`signatures[${index}].keyid is not a string`);
    const sig = entry["sig"];
    if (typeof sig !== "string") return invalid(`signatures[${index}].sig is missing or not a string`);
    const sigBytes = decodeBase64(sig);
    if (sigBytes === undefined) return invalid(`signatures[${index}].sig is not base64`);
    parsed.push({ keyid, sig: sigBytes });
  }
  return Result.succeed({ payloadType, payload: payloadBytes, signatures: parsed });
};
