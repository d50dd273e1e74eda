import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeWithTools, makeGpgHome, opensslKey, opensslPublicKey, type GpgHome } from "../support/independent-verifiers.ts";
import { build, buildFailure, bytes, configWith, conformanceKey, signWith } from "./signing-fixtures.ts";

const cosignPair = () => ({ "cosign.key": conformanceKey("cosign.key"), "cosign.password": conformanceKey("cosign.password") });

describe("x509 signer precedence (signing.md §2)", () => {
  it("with neither key present, names both", async () => {
    const error = await buildFailure({ "cosign.pub": conformanceKey("cosign.pub") });
    expect(error).toMatchObject({ _tag: "SignerUnavailable", signer: "x509" });
    expect(error.reason).toBe("no valid private key found, looked for: [x509.pem, cosign.key]");
  });

  it("prefers x509.pem over cosign.key", async () => {
    const signer = await build({ "x509.pem": conformanceKey("x509.pem"), ...cosignPair() });
    expect(signer.keyId).toBe((await build({ "x509.pem": conformanceKey("x509.pem") })).keyId);
    expect(signer.keyId).not.toBe((await build(cosignPair())).keyId);
  });

  it("does not fall back to cosign.key when x509.pem is present but invalid", async () => {
    const error = await buildFailure({ "x509.pem": "garbage", ...cosignPair() });
    expect(error).toMatchObject({ source: "x509.pem" });
  });

  it("puts Fulcio before x509.pem: without what keyless signing needs it refuses, naming the config key", async () => {
    const error = await buildFailure(
      { "x509.pem": conformanceKey("x509.pem") },
      "x509",
      configWith({ "signers.x509.fulcio.enabled": "true", "transparency.enabled": "true" }),
    );
    expect(error).toMatchObject({ source: "signers.x509.fulcio.enabled" });
  });

  it("dispatches kms to the KMS signer, which names the kmsref it cannot use", async () => {
    const error = await buildFailure({}, "kms", configWith({ "signers.kms.kmsref": "awskms:///alias/release" }));
    expect(error).toMatchObject({ _tag: "SignerUnavailable", signer: "kms" });
    expect(error.reason).toMatch(/awskms is not supported yet; supported are hashivault:\/\/, openbao:\/\/, gcpkms:\/\//);
  });

  it("dispatches kms to the KMS signer, which names signers.kms.kmsref when it is malformed", async () => {
    for (const kmsref of ["", "hashivault://", "gcpkms://projects/p/keyRings/r", "release-key"]) {
      const error = await buildFailure({}, "kms", configWith({ "signers.kms.kmsref": kmsref }));
      expect(error).toMatchObject({ _tag: "SignerUnavailable", signer: "kms", source: "signers.kms.kmsref" });
    }
  });

  it("dispatches pgp to the PGP signer, which names the missing secret key", async () => {
    const error = await buildFailure({}, "pgp");
    expect(error).toMatchObject({ _tag: "SignerUnavailable", signer: "pgp", source: "pgp.private-key" });
  });
});

describeWithTools("openssl")("x509.pem present alongside an Ed25519 cosign.key", () => {
  it("uses the x509.pem key", async () => {
    const pem = opensslKey(["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"]);
    const signer = await build({ "x509.pem": pem, ...cosignPair() });
    expect(signer.publicKeyPem).toBe(opensslPublicKey(pem));
  });
});

describeWithTools("gpg")("pgp signer built by the registry", () => {
  let gpg: GpgHome;
  beforeAll(async () => {
    gpg = await makeGpgHome();
  });
  afterAll(() => gpg.close());

  it("signs with the gpg-made pgp.private-key so that gpg --verify accepts it", async () => {
    const privateKey = await gpg.generateKey("Registry <registry@example.com>", "ed25519", "");
    const signer = await build({ "pgp.private-key": privateKey }, "pgp");
    expect(signer.scheme).toBe("pgp");
    const payload = bytes('{"_type":"https://in-toto.io/Statement/v0.1"}');
    const signature = await signWith(signer, payload);
    expect(await gpg.verify(signature, payload)).toMatchObject({ ok: true, output: expect.stringContaining("GOODSIG") });
    expect((await gpg.verify(signature, bytes("{}"))).ok).toBe(false);
  });
});
