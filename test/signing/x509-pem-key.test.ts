import { describe, expect, it } from "vitest";
import { IN_TOTO_PAYLOAD_TYPE } from "../../src/domain/dsse/envelope.ts";
import { preAuthEncoding } from "../../src/domain/dsse/pae.ts";
import type { SignatureScheme } from "../../src/ports/signer.ts";
import { describeWithTools, opensslKey, opensslPublicKey, opensslVerifies, openssl, sshKeygenFingerprint } from "../support/independent-verifiers.ts";
import { build, buildFailure, bytes, conformanceKey, signWith } from "./signing-fixtures.ts";

const statement = bytes('{"_type":"https://in-toto.io/Statement/v0.1","predicateType":"https://slsa.dev/provenance/v0.2"}');
const pae = preAuthEncoding(IN_TOTO_PAYLOAD_TYPE, statement);

describeWithTools("openssl", "ssh-keygen", "python3-cryptography")("x509.pem signer checked by openssl and ssh-keygen", () => {
  it.each([
    { name: "ECDSA P-256", genpkeyArgs: ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"], scheme: "ecdsa-sha256" },
    // SHA-256 whatever the curve, as the reference signs.
    { name: "ECDSA P-384", genpkeyArgs: ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"], scheme: "ecdsa-sha256" },
    { name: "ECDSA P-521", genpkeyArgs: ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-521"], scheme: "ecdsa-sha256" },
    // The reference refuses Ed25519 x509.pem keys; we sign pure Ed25519.
    { name: "Ed25519", genpkeyArgs: ["-algorithm", "ed25519"], scheme: "ed25519" },
  ] satisfies ReadonlyArray<{ name: string; genpkeyArgs: ReadonlyArray<string>; scheme: SignatureScheme }>)(
    "$name signs the DSSE PAE as $scheme",
    async ({ genpkeyArgs, scheme }) => {
      const privatePem = opensslKey(genpkeyArgs);
      const signer = await build({ "x509.pem": privatePem });
      expect(signer.scheme).toBe(scheme);
      const signature = await signWith(signer, pae);
      const publicKeyPem = opensslPublicKey(privatePem);
      expect(signer.publicKeyPem).toBe(publicKeyPem);
      expect(opensslVerifies({ publicKeyPem, scheme, data: pae, signature })).toBe(true);
      expect(opensslVerifies({ publicKeyPem, scheme, data: statement, signature })).toBe(false);
      expect(signer.keyId).toBe(sshKeygenFingerprint(publicKeyPem));
      expect(signer.certificatePem).toBe("");
      expect(signer.chainPem).toBe("");
    },
  );

  it("signs the conformance x509.pem with the reference keyid", async () => {
    const signer = await build({ "x509.pem": conformanceKey("x509.pem") });
    // signing.md §4: upstream unit-test x509.pem.
    expect(signer.keyId).toBe("SHA256:DCJQ6D0mrGAUh84xDokyRUNSNkEOa6fyv29g0Y9hFi0");
    expect(signer.keyId).toBe(sshKeygenFingerprint(signer.publicKeyPem));
    const signature = await signWith(signer, statement);
    expect(opensslVerifies({ publicKeyPem: signer.publicKeyPem, scheme: "ecdsa-sha256", data: statement, signature })).toBe(true);
  });

  it("uses the first PEM block only", async () => {
    const first = opensslKey(["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"]);
    const second = opensslKey(["-algorithm", "ed25519"]);
    const signer = await build({ "x509.pem": `junk before\n${first}${second}` });
    expect(signer.publicKeyPem).toBe(opensslPublicKey(first));
  });

  describe("refuses, naming x509.pem", () => {
    const refusal = async (pem: string | Uint8Array, reason: RegExp) => {
      const error = await buildFailure({ "x509.pem": pem });
      expect(error).toMatchObject({ _tag: "SignerUnavailable", signer: "x509", source: "x509.pem" });
      expect(error.reason).toMatch(reason);
      return error;
    };

    it("RSA keys", () => refusal(opensslKey(["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"]), /unsupported private key type RSA/));
    it.each(["secp256k1", "P-224"])("ECDSA on %s", async (curve) => {
      await refusal(opensslKey(["-algorithm", "EC", "-pkeyopt", `ec_paramgen_curve:${curve}`]), /unsupported private key type ECDSA key on curve/);
    });
    it("SEC1 `EC PRIVATE KEY` blocks", () => {
      const sec1 = openssl(["ec"], Buffer.from(opensslKey(["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"])));
      return refusal(sec1, /"EC PRIVATE KEY", expected "PRIVATE KEY"/);
    });
    it("encrypted PKCS#8", () => {
      const encrypted = openssl(
        ["pkcs8", "-topk8", "-v2", "aes-256-cbc", "-passout", "pass:secret"],
        Buffer.from(opensslKey(["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"])),
      );
      return refusal(encrypted, /"ENCRYPTED PRIVATE KEY"/);
    });
    it("a file with no PEM block", () => refusal("hello", /no PEM block/));
    it("an empty file (it exists, so there is no fallback)", () => refusal("", /no PEM block/));
    it("a PRIVATE KEY block that is not PKCS#8, without echoing its bytes", async () => {
      const body = Buffer.from("not a key, but secret-looking bytes").toString("base64");
      const error = await refusal(`-----BEGIN PRIVATE KEY-----\n${body}\n-----END PRIVATE KEY-----\n`, /not a PKCS#8/);
      expect(JSON.stringify(error)).not.toContain(body);
      expect(JSON.stringify(error)).not.toContain("secret-looking");
    });
  });
});
