import { Effect } from "effect";
import { describe, expect, it } from "vitest";
import {
  encryptCosignPrivateKey,
  SCRYPT_LEGACY,
  SCRYPT_OWASP,
  type CosignPemType,
  type ScryptParams,
} from "../../src/adapters/signing/keys/cosign-encrypted-key.ts";
import { IN_TOTO_PAYLOAD_TYPE } from "../../src/domain/dsse/envelope.ts";
import { preAuthEncoding } from "../../src/domain/dsse/pae.ts";
import type { SignatureScheme } from "../../src/ports/signer.ts";
import {
  describeWithTools,
  opensslKey,
  opensslPkcs8Der,
  opensslPublicKey,
  opensslVerifies,
  sshKeygenFingerprint,
} from "../support/independent-verifiers.ts";
import { build, buildFailure, bytes, conformanceKey, signWith } from "./signing-fixtures.ts";

const fixtureKey = (name: string): string => Buffer.from(conformanceKey(name)).toString("utf8");

const statement = bytes('{"_type":"https://in-toto.io/Statement/v0.1","subject":[]}');
const pae = preAuthEncoding(IN_TOTO_PAYLOAD_TYPE, statement);

/** Encrypts the PKCS#8 DER of a PEM key as cosign does; the legacy scrypt cost keeps tests fast. */
const cosignKeyOf = (
  pkcs8: Uint8Array,
  password: string,
  options: { readonly scrypt?: ScryptParams; readonly pemType?: CosignPemType } = {},
): Promise<string> =>
  Effect.runPromise(encryptCosignPrivateKey({ pkcs8, password: bytes(password), scrypt: options.scrypt ?? SCRYPT_LEGACY, ...options }));

/** Replaces fields of the JSON document inside a cosign key PEM. */
const editCosignJson = (pem: string, edit: (json: Record<string, any>) => void): string => {
  const [, type = "", body = ""] = /-----BEGIN (.*)-----\n([\s\S]*?)-----END/.exec(pem) ?? [];
  const json = JSON.parse(Buffer.from(body.replace(/\n/g, ""), "base64").toString("utf8")) as Record<string, any>;
  edit(json);
  return `-----BEGIN ${type}-----\n${Buffer.from(JSON.stringify(json)).toString("base64")}\n-----END ${type}-----\n`;
};

describeWithTools("openssl", "ssh-keygen", "python3-cryptography")("cosign.key signer checked by openssl and ssh-keygen", () => {
  it("decrypts the key real cosign made (password p) and signs verifiably for cosign.pub", async () => {
    const signer = await build({ "cosign.key": conformanceKey("cosign.key"), "cosign.password": conformanceKey("cosign.password") });
    const cosignPub = Buffer.from(conformanceKey("cosign.pub")).toString("utf8");
    expect(signer.publicKeyPem).toBe(cosignPub);
    // signing.md §4: the upstream e2e cosign.key.
    expect(signer.keyId).toBe("SHA256:yYS4pD9tqWXZw5+maNJ3gWm9HyoAB0qH0ef0FkIWfYs");
    expect(signer.keyId).toBe(sshKeygenFingerprint(cosignPub));
    expect(signer.scheme).toBe("ecdsa-sha256");
    const signature = await signWith(signer, pae);
    expect(opensslVerifies({ publicKeyPem: cosignPub, scheme: "ecdsa-sha256", data: pae, signature })).toBe(true);
  });

  // RSA keys are openssl-made fixtures: generating a 4096-bit key takes seconds.
  const cases: ReadonlyArray<readonly [string, () => string, SignatureScheme]> = [
    ["ECDSA P-256", () => opensslKey(["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"]), "ecdsa-sha256"],
    ["ECDSA P-384", () => opensslKey(["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"]), "ecdsa-sha384"],
    ["ECDSA P-521", () => opensslKey(["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-521"]), "ecdsa-sha512"],
    ["RSA 2048", () => fixtureKey("rsa-2048.pem"), "rsa-pkcs1v15-sha256"],
    ["RSA 3072", () => fixtureKey("rsa-3072.pem"), "rsa-pkcs1v15-sha256"],
    ["RSA 4096", () => fixtureKey("rsa-4096.pem"), "rsa-pkcs1v15-sha256"],
  ];

  it.each(cases)("%s: signs with the curve's hash / PKCS#1 v1.5 SHA-256, openssl verifies", async (_, privateKeyPem, scheme) => {
    const privatePem = privateKeyPem();
    const signer = await build({ "cosign.key": await cosignKeyOf(opensslPkcs8Der(privatePem), "pw"), "cosign.password": "pw" });
    expect(signer.scheme).toBe(scheme);
    const publicKeyPem = opensslPublicKey(privatePem);
    expect(signer.publicKeyPem).toBe(publicKeyPem);
    expect(signer.keyId).toBe(sshKeygenFingerprint(publicKeyPem));
    const signature = await signWith(signer, pae);
    expect(opensslVerifies({ publicKeyPem, scheme, data: pae, signature })).toBe(true);
    expect(opensslVerifies({ publicKeyPem, scheme, data: statement, signature })).toBe(false);
  });

  it("Ed25519 signs Ed25519ph, reproducing RFC 8032 §7.3 (TEST abc) exactly", async () => {
    // RFC 8032 §7.3: secret key, public key and the Ed25519ph signature of "abc".
    const seed = "833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42";
    const publicKey = "ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf";
    const expected =
      "98a70222f0b8121aa9d30f813d683f809e462b469c7ff87639499bb94e6dae41" +
      "31f85042463c2a355a2003d062adf5aaa10b8c61e636062aaad11c2a26083406";
    const pkcs8 = Buffer.from(`302e020100300506032b657004220420${seed}`, "hex");
    const signer = await build({ "cosign.key": await cosignKeyOf(pkcs8, "pw"), "cosign.password": "pw" });
    expect(signer.scheme).toBe("ed25519ph");
    const publicKeyPem = opensslPublicKey(
      `-----BEGIN PRIVATE KEY-----\n${pkcs8.toString("base64")}\n-----END PRIVATE KEY-----\n`,
    );
    expect(signer.publicKeyPem).toBe(publicKeyPem);
    expect(Buffer.from(rawEd25519PublicKey(publicKeyPem)).toString("hex")).toBe(publicKey);
    expect(Buffer.from(await signWith(signer, bytes("abc"))).toString("hex")).toBe(expected);
    expect(signer.keyId).toBe(sshKeygenFingerprint(publicKeyPem));
  });

  it("accepts the older `ENCRYPTED COSIGN PRIVATE KEY` type and the OWASP scrypt cost", async () => {
    const privatePem = opensslKey(["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"]);
    const pem = await cosignKeyOf(opensslPkcs8Der(privatePem), "pw", { scrypt: SCRYPT_OWASP, pemType: "ENCRYPTED COSIGN PRIVATE KEY" });
    expect(pem.startsWith("-----BEGIN ENCRYPTED COSIGN PRIVATE KEY-----\n")).toBe(true);
    const signer = await build({ "cosign.key": pem, "cosign.password": "pw" });
    expect(signer.publicKeyPem).toBe(opensslPublicKey(privatePem));
  });

  it("writes the JSON document of signing.md §3 in Go field order", async () => {
    const pem = await Effect.runPromise(
      encryptCosignPrivateKey({ pkcs8: opensslPkcs8Der(opensslKey(["-algorithm", "ed25519"])), password: bytes("") }),
    );
    expect(pem).toMatch(/^-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n(?:[A-Za-z0-9+/=]{64}\n)*[A-Za-z0-9+/=]{1,64}\n-----END/);
    const body = pem.split("\n").slice(1, -2).join("");
    const json = Buffer.from(body, "base64").toString("utf8");
    expect(json).toMatch(
      /^\{"kdf":\{"name":"scrypt","params":\{"N":65536,"r":8,"p":1\},"salt":"[A-Za-z0-9+/]{43}="\},"cipher":\{"name":"nacl\/secretbox","nonce":"[A-Za-z0-9+/]{32}"\},"ciphertext":"[A-Za-z0-9+/=]+"\}$/,
    );
  });

  describe("the password is used byte for byte", () => {
    it("a trailing newline is part of it", async () => {
      const pem = await cosignKeyOf(opensslPkcs8Der(opensslKey(["-algorithm", "ed25519"])), "secret\n");
      await expect(build({ "cosign.key": pem, "cosign.password": "secret\n" })).resolves.toMatchObject({ scheme: "ed25519ph" });
      const error = await buildFailure({ "cosign.key": pem, "cosign.password": "secret" });
      expect(error).toMatchObject({ signer: "x509", source: "cosign.password" });
    });

    it('"" is a valid password', async () => {
      const pem = await cosignKeyOf(opensslPkcs8Der(opensslKey(["-algorithm", "ed25519"])), "");
      await expect(build({ "cosign.key": pem, "cosign.password": "" })).resolves.toMatchObject({ scheme: "ed25519ph" });
    });
  });

  describe("refuses, naming the secret key and never its contents", () => {
    // One encrypted key for the cases below, each editing its own copy: a scrypt derivation per case adds up.
    let encryptedEcKey: Promise<string> | undefined;
    const ecCosignKey = () =>
      (encryptedEcKey ??= cosignKeyOf(opensslPkcs8Der(opensslKey(["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"])), "pw"));

    it("a wrong password", async () => {
      const error = await buildFailure({ "cosign.key": conformanceKey("cosign.key"), "cosign.password": "hunter2-wrong" });
      expect(error).toMatchObject({ _tag: "SignerUnavailable", signer: "x509", source: "cosign.password" });
      expect(error.reason).toMatch(/wrong password/);
      expect(JSON.stringify(error)).not.toContain("hunter2");
    });

    it("a missing cosign.password", async () => {
      const error = await buildFailure({ "cosign.key": conformanceKey("cosign.key") });
      expect(error).toMatchObject({ source: "cosign.password" });
      expect(error.reason).toMatch(/missing/);
    });

    it("scrypt costs other than the three allowed", async () => {
      const pem = editCosignJson(await ecCosignKey(), (json) => {
        json["kdf"].params.N = 16384;
      });
      const error = await buildFailure({ "cosign.key": pem, "cosign.password": "pw" });
      expect(error).toMatchObject({ source: "cosign.key" });
      expect(error.reason).toMatch(/unsupported scrypt parameters \(N=16384, r=8, p=1\)/);
    });

    it.each([
      ["kdf", (json: Record<string, any>) => void (json["kdf"].name = "pbkdf2"), /unsupported key derivation "pbkdf2"/],
      ["cipher", (json: Record<string, any>) => void (json["cipher"].name = "aes-gcm"), /unsupported cipher "aes-gcm"/],
      ["nonce", (json: Record<string, any>) => void (json["cipher"].nonce = "AAAA"), /nonce is 3 bytes/],
      ["ciphertext", (json: Record<string, any>) => void (json["ciphertext"] = "!!"), /not cosign's encrypted-key JSON/],
    ])("a bad %s", async (_, edit, reason) => {
      const error = await buildFailure({ "cosign.key": editCosignJson(await ecCosignKey(), edit), "cosign.password": "pw" });
      expect(error).toMatchObject({ source: "cosign.key" });
      expect(error.reason).toMatch(reason);
    });

    it("a tampered ciphertext (as a decryption failure)", async () => {
      const pem = editCosignJson(await ecCosignKey(), (json) => {
        const c = Buffer.from(json["ciphertext"] as string, "base64");
        c[20] = (c[20] ?? 0) ^ 1;
        json["ciphertext"] = c.toString("base64");
      });
      expect(await buildFailure({ "cosign.key": pem, "cosign.password": "pw" })).toMatchObject({ source: "cosign.password" });
    });

    it("other PEM types", async () => {
      const error = await buildFailure({ "cosign.key": conformanceKey("x509.pem"), "cosign.password": "p" });
      expect(error).toMatchObject({ source: "cosign.key" });
      expect(error.reason).toMatch(/"PRIVATE KEY", expected "ENCRYPTED SIGSTORE PRIVATE KEY" or "ENCRYPTED COSIGN PRIVATE KEY"/);
    });

    it.each([
      ["RSA 1024", ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024"], /unsupported RSA key size 1024/],
      ["secp256k1", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:secp256k1"], /curve secp256k1/],
      ["P-224", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-224"], /curve secp224r1/],
      ["Ed448", ["-algorithm", "ed448"], /unsupported private key type ed448/],
    ])("%s keys", async (_, genpkey, reason) => {
      const pem = await cosignKeyOf(opensslPkcs8Der(opensslKey(genpkey)), "pw");
      const error = await buildFailure({ "cosign.key": pem, "cosign.password": "pw" });
      expect(error).toMatchObject({ source: "cosign.key" });
      expect(error.reason).toMatch(reason);
    });
  });
});

/** The raw 32-byte Ed25519 public key: the last 32 bytes of its SPKI DER (as openssl wrote it). */
const rawEd25519PublicKey = (publicKeyPem: string): Uint8Array => {
  const der = Buffer.from(publicKeyPem.replace(/-----[^-]+-----|\n/g, ""), "base64");
  return der.subarray(der.length - 32);
};
