import { generateKeyPairSync, sign as nodeSign, X509Certificate } from "node:crypto";
import { Effect, Result } from "effect";
import type { ChainsConfig } from "../../../domain/config/chains-config.ts";
import { SignerUnavailable, type Signer } from "../../../ports/signer.ts";
import { privateKeySigner } from "../keys/private-key-signer.ts";
import { renewalTime } from "./certificate-renewal.ts";
import { checkIssuedCertificate } from "./certificate-trust.ts";
import { requestCertificate } from "./fulcio-client.ts";
import { fetchIdentityToken } from "./identity-token-source.ts";
import type { KeylessContext } from "./keyless-context.ts";

const fulcioProblem = (reason: string) => new SignerUnavailable({ signer: "x509", source: "signers.x509.fulcio.address", reason });

const sameKey = (certificatePem: string, publicKeyDer: Buffer): boolean => {
  try {
    return new X509Certificate(certificatePem).publicKey.export({ type: "spki", format: "der" }).equals(publicKeyDer);
  } catch {
    return false;
  }
};

/**
 * The keyless `x509` signer (signing.md §7): an ephemeral ECDSA P-256 key with a Fulcio certificate
 * for the identity token's subject. Each build reads a fresh token, makes a new key and asks for a
 * new certificate, checked against the Sigstore trusted root; the signer carries `renewAt`, so the
 * signer cache keeps it until shortly before the certificate expires.
 */
export const keylessSigner = (x509: ChainsConfig["signers"]["x509"], context: KeylessContext): Effect.Effect<Signer, SignerUnavailable> =>
  Effect.gen(function* () {
    const root = yield* context.trustedRoot.pipe(
      Effect.mapError(
        (error) =>
          new SignerUnavailable({
            signer: "x509",
            source: error.source,
            reason: `no Sigstore trusted root to check Fulcio certificates against: ${error.reason}`,
          }),
      ),
    );
    const token = yield* fetchIdentityToken(x509, context);
    const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const issued = yield* requestCertificate({
      address: x509.fulcio.address,
      token: token.token,
      publicKeyPem: publicKey.export({ type: "spki", format: "pem" }).toString(),
      proofOfPossession: nodeSign("sha256", Buffer.from(token.challenge), privateKey),
    }).pipe(Effect.mapError(fulcioProblem));
    if (!sameKey(issued.certificatePem, publicKey.export({ type: "spki", format: "der" })))
      return yield* Effect.fail(fulcioProblem("the certificate Fulcio returned is not for the key it was asked to certify"));
    const validity = checkIssuedCertificate(issued, root, context.clock.now());
    if (Result.isFailure(validity)) return yield* Effect.fail(fulcioProblem(validity.failure));
    return {
      ...privateKeySigner({ key: privateKey, scheme: "ecdsa-sha256", signer: "x509" }),
      certificatePem: issued.certificatePem,
      chainPem: issued.chainPem,
      renewAt: renewalTime(validity.success),
    };
  });
