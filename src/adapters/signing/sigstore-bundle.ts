import { bundleToJSON, type SerializedBundle } from "@sigstore/bundle";
import { DSSEBundleBuilder, type Signer as SigstoreSigner } from "@sigstore/sign";
import { Data, Effect, Exit } from "effect";
import { IN_TOTO_PAYLOAD_TYPE } from "../../domain/dsse/envelope.ts";
import { SigningFailed, type Signer } from "../../ports/signer.ts";
import { publicKeyHint } from "./public-key-hint.ts";

/** sigstore-js failed to assemble the bundle (not the signing itself, which is `SigningFailed`). */
export class SigstoreBundleFailed extends Data.TaggedError("SigstoreBundleFailed")<{ readonly reason: string }> {}

/** Carries our typed error through sigstore-js's Promise API. */
class OurSigningFailure extends Error {
  readonly failure: SigningFailed;
  constructor(failure: SigningFailed) {
    super(failure.reason);
    this.failure = failure;
  }
}

/**
 * Our `Signer` behind sigstore-js's `Signer` interface: keyless signers present their certificate,
 * key-based ones their public key and hint.
 */
export const toSigstoreSigner = (signer: Signer): SigstoreSigner => ({
  sign: async (data) => {
    const exit = await Effect.runPromiseExit(signer.sign(data));
    if (Exit.isFailure(exit)) {
      const failure = exit.cause.reasons.find((r) => r._tag === "Fail");
      if (failure !== undefined && failure._tag === "Fail") throw new OurSigningFailure(failure.error);
      throw new Error("signing was interrupted or died");
    }
    return {
      signature: Buffer.from(exit.value),
      key:
        signer.certificatePem !== ""
          ? { $case: "x509Certificate", certificate: signer.certificatePem }
          : { $case: "publicKey", publicKey: signer.publicKeyPem, hint: publicKeyHint(signer.publicKeyPem) },
    };
  },
});

/**
 * A Sigstore bundle (v0.3 JSON) holding a DSSE envelope of `payload`, signed through our `Signer`,
 * with no Fulcio certificate, Rekor entry or timestamp: verifiable with the public key alone.
 */
export const sigstoreDsseBundle = (input: {
  readonly signer: Signer;
  readonly payload: Uint8Array;
  readonly payloadType?: string;
}): Effect.Effect<SerializedBundle, SigningFailed | SigstoreBundleFailed> =>
  Effect.tryPromise({
    try: async () => {
      const builder = new DSSEBundleBuilder({ signer: toSigstoreSigner(input.signer), witnesses: [] });
      const bundle = await builder.create({ data: Buffer.from(input.payload), type: input.payloadType ?? IN_TOTO_PAYLOAD_TYPE });
      return bundleToJSON(bundle);
    },
    catch: (cause) =>
      cause instanceof OurSigningFailure
        ? cause.failure
        : new SigstoreBundleFailed({ reason: cause instanceof Error ? cause.message : String(cause) }),
  });
