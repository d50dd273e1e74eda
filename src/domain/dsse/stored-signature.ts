import { Result } from "effect";
import { parseEnvelope, type DsseEnvelope } from "./envelope.ts";

/**
 * What a stored signature is, by signer and format: empty (`signer: none`), an ASCII-armored PGP
 * signature over the payload, a DSSE envelope (in-toto formats with x509/kms keys), or a raw
 * signature over the payload (simplesigning, the `tekton` format).
 */
export type StoredSignature =
  | { readonly _tag: "Unsigned" }
  | { readonly _tag: "Pgp"; readonly armored: string }
  | { readonly _tag: "Envelope"; readonly envelope: DsseEnvelope }
  | { readonly _tag: "Raw"; readonly signature: Uint8Array };

export const classifyStoredSignature = (signature: Uint8Array): StoredSignature => {
  if (signature.length === 0) return { _tag: "Unsigned" };
  const text = new TextDecoder().decode(signature);
  if (text.startsWith("-----BEGIN PGP SIGNATURE-----")) return { _tag: "Pgp", armored: text };
  if (text.trimStart().startsWith("{")) {
    const envelope = parseEnvelope(text);
    if (Result.isSuccess(envelope)) return { _tag: "Envelope", envelope: envelope.success };
  }
  return { _tag: "Raw", signature };
};
