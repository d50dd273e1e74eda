import { Effect } from "effect";
import { IN_TOTO_PAYLOAD_TYPE, serializeEnvelope } from "../../domain/dsse/envelope.ts";
import { preAuthEncoding } from "../../domain/dsse/pae.ts";
import type { PlannedArtifact, SignedArtifact } from "../../domain/signing-pass/signing-artifacts.ts";
import type { Signer, SigningFailed } from "../../ports/signer.ts";

const utf8 = new TextEncoder();

/**
 * Signs one artifact: in-toto statements (SLSA provenance, an image's cosign/sign/v1 statement)
 * through DSSE (the signer signs the PAE and storage gets the envelope JSON), simplesigning payloads
 * directly (storage gets the raw signature). PGP, as in Chains before DSSE, always signs the payload
 * itself: `gpg --verify signature payload` must work (and the `oci` backend refuses it for bundles).
 */
export const signArtifact = (artifact: PlannedArtifact, signer: Signer): Effect.Effect<SignedArtifact, SigningFailed> => {
  const payload = utf8.encode(artifact.payload);
  const keyMaterial = {
    publicKeyPem: signer.publicKeyPem,
    keyId: signer.keyId,
    certificatePem: signer.certificatePem,
    chainPem: signer.chainPem,
  };
  if (!artifact.dsse || signer.scheme === "pgp") {
    return Effect.map(signer.sign(payload), (signature) => ({ ...artifact, ...keyMaterial, signature }));
  }
  return Effect.map(signer.sign(preAuthEncoding(IN_TOTO_PAYLOAD_TYPE, payload)), (sig) => ({
    ...artifact,
    ...keyMaterial,
    signature: utf8.encode(
      serializeEnvelope({ payloadType: IN_TOTO_PAYLOAD_TYPE, payload, signatures: [{ keyid: signer.keyId, sig }] }),
    ),
  }));
};

/**
 * `signer: none` keeps the documented meaning (reference defect #2): the payload is stored with an
 * empty signature, no key and no certificate.
 */
export const unsignedArtifact = (artifact: PlannedArtifact): SignedArtifact => ({
  ...artifact,
  signature: new Uint8Array(),
  publicKeyPem: "",
  keyId: "",
  certificatePem: "",
  chainPem: "",
});
