import { describe, expect, it } from "vitest";
import { describeWithTools, opensslKey, opensslPublicKey } from "./external-tools.ts";
import { build, buildFailure, configWith, conformanceKey } from "./signing-fixtures.ts";

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

  it("refuses keyless signing while Fulcio is not implemented, naming the config key", async () => {
    const error = await buildFailure({ "x509.pem": conformanceKey("x509.pem") }, "x509", configWith({ "signers.x509.fulcio.enabled": "true" }));
    expect(error).toMatchObject({ source: "signers.x509.fulcio.enabled" });
  });

  it("dispatches kms to the KMS signer, which names the kmsref it cannot use", async () => {
    const error = await buildFailure({}, "kms", configWith({ "signers.kms.kmsref": "awskms:///alias/release" }));
    expect(error).toMatchObject({ _tag: "SignerUnavailable", signer: "kms" });
    expect(error.reason).toMatch(/awskms is not supported yet; supported are hashivault:\/\/, openbao:\/\/, gcpkms:\/\//);
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
