import { Effect } from "effect";
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeWithTools, makeGpgHome, type GpgHome } from "../support/independent-verifiers.ts";
import { makePgpSigner } from "../../src/adapters/signing/pgp/pgp-signer.ts";
import type { SignerUnavailable } from "../../src/ports/signer.ts";
import { secretsOf } from "../signing/signing-fixtures.ts";

const encoder = new TextEncoder();

describeWithTools("gpg")("PGP signer (signing.md §8) checked by gpg", () => {
  let gpg: GpgHome;

  const buildFailure = (map: ReadonlyMap<string, Uint8Array>): Promise<SignerUnavailable> =>
    Effect.runPromise(Effect.flip(makePgpSigner(map)));

  beforeAll(async () => {
    gpg = await makeGpgHome();
  });
  afterAll(() => gpg.close());

  it("signs so that gpg --verify reports a good signature (unprotected RSA key)", async () => {
    const armored = await gpg.generateKey("Unprotected <unprotected@example.com>", "rsa3072", "");
    const signer = await Effect.runPromise(makePgpSigner(secretsOf({ "pgp.private-key": armored })));
    expect(signer.scheme).toBe("pgp");
    expect(signer.keyId).toBe("");
    expect(signer.certificatePem).toBe("");
    expect(signer.publicKeyPem).toContain("-----BEGIN PGP PUBLIC KEY BLOCK-----");
    expect(signer.publicKeyPem).not.toContain("PRIVATE");

    const payload = encoder.encode('{"_type":"https://in-toto.io/Statement/v0.1","subject":[]}\nsecond line\n');
    const signature = await Effect.runPromise(signer.sign(payload));
    const text = new TextDecoder().decode(signature);
    expect(text.startsWith("-----BEGIN PGP SIGNATURE-----")).toBe(true);

    const good = await gpg.verify(signature, payload);
    expect(good.output).toContain("[GNUPG:] GOODSIG");
    expect(good.ok).toBe(true);

    const tampered = await gpg.verify(signature, encoder.encode('{"_type":"tampered"}'));
    expect(tampered.ok).toBe(false);
    expect(tampered.output).toContain("[GNUPG:] BADSIG");
  });

  it("unlocks a passphrase-protected ed25519 key with the raw passphrase bytes", async () => {
    // Users wrote the passphrase with `echo -n`; trailing spaces are part of it.
    const passphrase = "correct horse battery staple ";
    const armored = await gpg.generateKey("Protected <protected@example.com>", "ed25519", passphrase);
    expect(armored).toContain("-----BEGIN PGP PRIVATE KEY BLOCK-----");
    const signer = await Effect.runPromise(
      makePgpSigner(secretsOf({ "pgp.private-key": armored, "pgp.passphrase": passphrase })),
    );
    const payload = encoder.encode(JSON.stringify({ critical: { image: { "docker-manifest-digest": "sha256:ab" } } }));
    const good = await gpg.verify(await Effect.runPromise(signer.sign(payload)), payload);
    expect(good.output).toContain("[GNUPG:] GOODSIG");
    expect(good.output).toContain("Protected <protected@example.com>");

    const wrong = await buildFailure(secretsOf({ "pgp.private-key": armored, "pgp.passphrase": passphrase.trimEnd() }));
    expect(wrong._tag).toBe("SignerUnavailable");
    expect(wrong.source).toBe("pgp.passphrase");
    expect(wrong.reason).not.toContain(passphrase.trimEnd());

    const missing = await buildFailure(secretsOf({ "pgp.private-key": armored }));
    expect(missing.source).toBe("pgp.passphrase");
    expect(missing.reason).toContain("missing");
  });

  it("signs non-UTF-8 payload bytes in binary mode", async () => {
    const armored = await gpg.generateKey("Binary <binary@example.com>", "ed25519", "");
    const signer = await Effect.runPromise(makePgpSigner(secretsOf({ "pgp.private-key": armored })));
    const payload = new Uint8Array([0xff, 0xfe, 0x0a, 0x00, 0x80]);
    const good = await gpg.verify(await Effect.runPromise(signer.sign(payload)), payload);
    expect(good.output).toContain("[GNUPG:] GOODSIG");
  });

  it("names pgp.private-key when the key is missing or not a secret key", async () => {
    expect((await buildFailure(new Map())).source).toBe("pgp.private-key");
    const notAKey = await buildFailure(secretsOf({ "pgp.private-key": "-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nabc\n" }));
    expect(notAKey.source).toBe("pgp.private-key");
    const publicOnly = await gpg.exportPublicKey("Unprotected <unprotected@example.com>");
    expect((await buildFailure(secretsOf({ "pgp.private-key": publicOnly }))).source).toBe("pgp.private-key");
  });
});
