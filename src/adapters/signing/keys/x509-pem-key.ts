import { Effect } from "effect";
import { SignerUnavailable, type Signer } from "../../../ports/signer.ts";
import { firstPemBlock } from "./pem-block.ts";
import { parsePkcs8 } from "./pkcs8-key.ts";
import { privateKeySigner } from "./private-key-signer.ts";

/** The `signing-secrets` key of an unencrypted private key (signing.md §2). */
export const X509_PEM = "x509.pem";

const unavailable = (reason: string) => new SignerUnavailable({ signer: "x509", source: X509_PEM, reason });

/**
 * The signer of an `x509.pem` secret: the first PEM block, type exactly `PRIVATE KEY` (unencrypted
 * PKCS#8). ECDSA P-256/P-384/P-521 signs with SHA-256 whatever the curve (as the reference);
 * Ed25519 signs pure Ed25519, which the reference refuses although its docs promise it.
 */
export const x509PemSigner = (pem: Uint8Array): Effect.Effect<Signer, SignerUnavailable> => {
  const block = firstPemBlock(pem);
  if (block === undefined) return Effect.fail(unavailable("no PEM block found"));
  if (block.type !== "PRIVATE KEY")
    return Effect.fail(unavailable(`PEM block type is "${block.type}", expected "PRIVATE KEY" (unencrypted PKCS#8)`));
  const parsed = parsePkcs8(block.der);
  if (parsed === undefined) return Effect.fail(unavailable("the PRIVATE KEY block is not a PKCS#8 private key"));
  switch (parsed.kind) {
    case "ecdsa":
      return Effect.succeed(privateKeySigner({ key: parsed.key, scheme: "ecdsa-sha256", signer: "x509" }));
    case "ed25519":
      return Effect.succeed(privateKeySigner({ key: parsed.key, scheme: "ed25519", signer: "x509" }));
    case "rsa":
      return Effect.fail(unavailable(`unsupported private key type RSA-${parsed.bits}, only ECDSA (P-256, P-384, P-521) and Ed25519 keys are supported`));
    case "unsupported":
      return Effect.fail(unavailable(`unsupported private key type ${parsed.description}, only ECDSA (P-256, P-384, P-521) and Ed25519 keys are supported`));
  }
};
