import { Data, Result } from "effect";
import { encodeStdBase64 as base64 } from "../dsse/base64.ts";
import { parseEnvelope } from "../dsse/envelope.ts";
import { goQuote } from "../serialization/go-json.ts";

/** Archivista stores DSSE envelopes only; an image's raw simplesigning signature is not one. */
export class NotAnEnvelope extends Data.TaggedError("NotAnEnvelope")<{ readonly reason: string }> {}

/**
 * The body of `POST <url>/upload` (storage.md §9): the envelope as go-witness re-serialises it,
 * keys in its struct order (`payload`, `payloadType`, `signatures[].keyid`, `signatures[].sig`),
 * so Archivista computes the same gitoid as for the reference's uploads.
 */
export const archivistaUploadBody = (signature: Uint8Array): Result.Result<string, NotAnEnvelope> => {
  const parsed = parseEnvelope(new TextDecoder().decode(signature));
  if (Result.isFailure(parsed)) {
    return Result.fail(new NotAnEnvelope({ reason: `archivista stores DSSE envelopes only: ${parsed.failure.reason}` }));
  }
  const envelope = parsed.success;
  const signatures = envelope.signatures.map((s) => `{"keyid":${goQuote(s.keyid)},"sig":"${base64(s.sig)}"}`).join(",");
  return Result.succeed(
    `{"payload":"${base64(envelope.payload)}","payloadType":${goQuote(envelope.payloadType)},"signatures":[${signatures}]}`,
  );
};
