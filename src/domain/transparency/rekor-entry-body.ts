import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "@noble/hashes/utils.js";
import { goJson } from "../serialization/go-json.ts";
import type { GoValue } from "../serialization/go-value.ts";
import { parseJsonText } from "../serialization/json-text.ts";

const base64 = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
const utf8 = new TextEncoder();

const object = (...entries: ReadonlyArray<readonly [string, GoValue]>): GoValue => new Map(entries);

/** The proposed entry as Go's rekor client marshals it: `apiVersion`, `spec`, `kind`. */
const entry = (kind: string, spec: GoValue): string => goJson(object(["apiVersion", "0.0.1"], ["spec", spec], ["kind", kind]));

/**
 * `hashedrekord` v0.0.1 for a simplesigning signature (transparency.md §3.1): SHA-256 of the payload
 * (whatever the key's own hash), the raw signature and the verifier PEM, each std base64.
 */
export const hashedRekordBody = (input: {
  readonly payload: Uint8Array;
  readonly signature: Uint8Array;
  readonly verifierPem: string;
}): string =>
  entry(
    "hashedrekord",
    object(
      ["data", object(["hash", object(["algorithm", "sha256"], ["value", bytesToHex(sha256(input.payload))])])],
      [
        "signature",
        object(["content", base64(input.signature)], ["publicKey", object(["content", base64(utf8.encode(input.verifierPem))])]),
      ],
    ),
  );

/**
 * `dsse` v0.0.1 for a DSSE envelope (transparency.md §3.2): the envelope JSON embedded as a string,
 * one verifier, and `signatures: null` as the Go struct's nil slice marshals.
 */
export const dsseBody = (input: { readonly envelopeJson: string; readonly verifierPem: string }): string =>
  entry(
    "dsse",
    object(
      ["proposedContent", object(["envelope", input.envelopeJson], ["verifiers", [base64(utf8.encode(input.verifierPem))]])],
      ["signatures", null],
    ),
  );

/**
 * What Rekor stores (and returns as the entry body) for a proposed `dsse` v0.0.1 entry: the
 * envelope and payload hashes and each signature with the verifier, not the envelope itself.
 * Verifiers such as @sigstore/verify and cosign read this form.
 */
export const storedDsseBody = (input: { readonly envelopeJson: string; readonly verifierPem: string }): string => {
  const envelope = parseJsonText(input.envelopeJson) as { payload: string; signatures: ReadonlyArray<{ sig: string }> };
  const verifier = base64(utf8.encode(input.verifierPem));
  return JSON.stringify({
    apiVersion: "0.0.1",
    kind: "dsse",
    spec: {
      envelopeHash: { algorithm: "sha256", value: bytesToHex(sha256(utf8.encode(input.envelopeJson))) },
      payloadHash: { algorithm: "sha256", value: bytesToHex(sha256(Buffer.from(envelope.payload, "base64"))) },
      signatures: envelope.signatures.map((s) => ({ signature: s.sig, verifier })),
    },
  });
};
