import { Effect, Redacted } from "effect";
import { answerExcerpt, type HttpAnswer, httpExchange } from "./http-exchange.ts";
import { parseJsonText } from "../../../domain/serialization/json-text.ts";

export interface CertificateRequest {
  /** `signers.x509.fulcio.address`. */
  readonly address: string;
  readonly token: Redacted.Redacted<string>;
  /** SPKI PEM of the ephemeral key. */
  readonly publicKeyPem: string;
  /** The ephemeral key's signature over the token's subject (or email). */
  readonly proofOfPossession: Uint8Array;
}

/** The leaf certificate and the rest of the chain, as PEM. */
export interface IssuedCertificate {
  readonly certificatePem: string;
  readonly chainPem: string;
}

/** The PEM certificates in a text, each ending with a newline. */
export const certificateBlocks = (text: string): ReadonlyArray<string> =>
  (text.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? []).map((block) => `${block}\n`);

const issued = (certificates: ReadonlyArray<string>): IssuedCertificate | undefined => {
  const [leaf, ...chain] = certificates.flatMap(certificateBlocks);
  return leaf === undefined ? undefined : { certificatePem: leaf, chainPem: chain.join("") };
};

/** `signedCertificateEmbeddedSct` or `signedCertificateDetachedSct`, each with `chain.certificates`. */
const fromV2 = (body: string): IssuedCertificate | undefined => {
  try {
    const json = parseJsonText(body) as Record<string, { chain?: { certificates?: unknown } } | undefined>;
    const certificates = (json["signedCertificateEmbeddedSct"] ?? json["signedCertificateDetachedSct"])?.chain?.certificates;
    return Array.isArray(certificates) && certificates.every((c) => typeof c === "string") ? issued(certificates) : undefined;
  } catch {
    return undefined;
  }
};

/**
 * Asks Fulcio for a code-signing certificate (signing.md §7 step 5): `POST /api/v2/signingCert`,
 * and the v1 API when the server does not know v2 (404). A failure is the reason, naming the URL
 * and the server's answer; the token never appears in it.
 */
export const requestCertificate = (request: CertificateRequest): Effect.Effect<IssuedCertificate, string> => {
  const base = request.address.replace(/\/+$/, "");
  const proof = Buffer.from(request.proofOfPossession).toString("base64");
  const v2Url = `${base}/api/v2/signingCert`;
  const v1Url = `${base}/api/v1/signingCert`;
  const expect201 = (url: string, answer: HttpAnswer, parse: (body: string) => IssuedCertificate | undefined) => {
    if (answer.status !== 201) return Effect.fail(`${url}: Fulcio answered ${answerExcerpt(answer)}`);
    const certificate = parse(answer.body);
    return certificate === undefined ? Effect.fail(`${url}: the answer holds no certificate`) : Effect.succeed(certificate);
  };
  const v1 = httpExchange(v1Url, {
    method: "POST",
    headers: { Authorization: `Bearer ${Redacted.value(request.token)}`, "Content-Type": "application/json", Accept: "application/pem-certificate-chain" },
    body: JSON.stringify({
      publicKey: { content: Buffer.from(request.publicKeyPem).toString("base64") },
      signedEmailAddress: proof,
      certificateSigningRequest: null,
    }),
  }).pipe(Effect.flatMap((answer) => expect201(v1Url, answer, (body) => issued([body]))));
  return httpExchange(v2Url, {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify({
      credentials: { oidcIdentityToken: Redacted.value(request.token) },
      publicKeyRequest: { publicKey: { algorithm: "ECDSA", content: request.publicKeyPem }, proofOfPossession: proof },
    }),
  }).pipe(Effect.flatMap((answer) => (answer.status === 404 ? v1 : expect201(v2Url, answer, fromV2))));
};
