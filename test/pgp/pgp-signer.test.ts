import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { Effect } from "effect";
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeWithCommands } from "../support/require-tools.ts";
import { makePgpSigner } from "../../src/adapters/pgp/pgp-signer.ts";
import type { SignerUnavailable } from "../../src/ports/signer.ts";

const run = promisify(execFile);
// With CI=true a missing gpg makes these tests fail instead of skipping.
const describeGpg = describeWithCommands("gpg");
const encoder = new TextEncoder();

describeGpg("PGP signer (signing.md §8) checked by gpg", () => {
  let home = "";
  const gpg = (...args: string[]) => run("gpg", ["--homedir", home, "--batch", "--pinentry-mode", "loopback", ...args]);

  /** Generates a key with gpg itself, as users did (`gpg --gen-key`), and exports it armored. */
  const generateKey = async (uid: string, algo: string, passphrase: string): Promise<string> => {
    await gpg("--passphrase", passphrase, "--quick-gen-key", uid, algo, "sign", "never");
    const { stdout } = await gpg("--passphrase", passphrase, "--armor", "--export-secret-keys", uid);
    return stdout;
  };

  /** Writes signature and payload to files and runs `gpg --verify signature payload`. */
  const verify = async (signature: Uint8Array, payload: Uint8Array) => {
    const dir = await mkdtemp(join(home, "verify-"));
    await writeFile(join(dir, "signature"), signature);
    await writeFile(join(dir, "payload"), payload);
    return gpg("--status-fd", "1", "--verify", join(dir, "signature"), join(dir, "payload")).then(
      ({ stdout, stderr }) => ({ ok: true, output: stdout + stderr }),
      (error: { stdout?: string; stderr?: string }) => ({ ok: false, output: `${error.stdout ?? ""}${error.stderr ?? ""}` }),
    );
  };

  const secrets = (entries: Record<string, string>) =>
    new Map(Object.entries(entries).map(([name, value]) => [name, encoder.encode(value)]));

  const buildFailure = (map: ReadonlyMap<string, Uint8Array>): Promise<SignerUnavailable> =>
    Effect.runPromise(Effect.flip(makePgpSigner(map)));

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), "chains-pgp-"));
  });
  afterAll(async () => {
    // Key generation started a gpg-agent for this home; stop it so nothing outlives the tests.
    await run("gpgconf", ["--homedir", home, "--kill", "all"]).catch(() => undefined);
    await rm(home, { recursive: true, force: true });
  });

  it("signs so that gpg --verify reports a good signature (unprotected RSA key)", async () => {
    const armored = await generateKey("Unprotected <unprotected@example.com>", "rsa3072", "");
    const signer = await Effect.runPromise(makePgpSigner(secrets({ "pgp.private-key": armored })));
    expect(signer.scheme).toBe("pgp");
    expect(signer.keyId).toBe("");
    expect(signer.certificatePem).toBe("");
    expect(signer.publicKeyPem).toContain("-----BEGIN PGP PUBLIC KEY BLOCK-----");
    expect(signer.publicKeyPem).not.toContain("PRIVATE");

    const payload = encoder.encode('{"_type":"https://in-toto.io/Statement/v0.1","subject":[]}\nsecond line\n');
    const signature = await Effect.runPromise(signer.sign(payload));
    const text = new TextDecoder().decode(signature);
    expect(text.startsWith("-----BEGIN PGP SIGNATURE-----")).toBe(true);

    const good = await verify(signature, payload);
    expect(good.output).toContain("[GNUPG:] GOODSIG");
    expect(good.ok).toBe(true);

    const tampered = await verify(signature, encoder.encode('{"_type":"tampered"}'));
    expect(tampered.ok).toBe(false);
    expect(tampered.output).toContain("[GNUPG:] BADSIG");
  });

  it("unlocks a passphrase-protected ed25519 key with the raw passphrase bytes", async () => {
    // Users wrote the passphrase with `echo -n`; trailing spaces are part of it.
    const passphrase = "correct horse battery staple ";
    const armored = await generateKey("Protected <protected@example.com>", "ed25519", passphrase);
    expect(armored).toContain("-----BEGIN PGP PRIVATE KEY BLOCK-----");
    const signer = await Effect.runPromise(
      makePgpSigner(secrets({ "pgp.private-key": armored, "pgp.passphrase": passphrase })),
    );
    const payload = encoder.encode(JSON.stringify({ critical: { image: { "docker-manifest-digest": "sha256:ab" } } }));
    const good = await verify(await Effect.runPromise(signer.sign(payload)), payload);
    expect(good.output).toContain("[GNUPG:] GOODSIG");
    expect(good.output).toContain("Protected <protected@example.com>");

    const wrong = await buildFailure(secrets({ "pgp.private-key": armored, "pgp.passphrase": passphrase.trimEnd() }));
    expect(wrong._tag).toBe("SignerUnavailable");
    expect(wrong.source).toBe("pgp.passphrase");
    expect(wrong.reason).not.toContain(passphrase.trimEnd());

    const missing = await buildFailure(secrets({ "pgp.private-key": armored }));
    expect(missing.source).toBe("pgp.passphrase");
    expect(missing.reason).toContain("missing");
  });

  it("signs non-UTF-8 payload bytes in binary mode", async () => {
    const armored = await generateKey("Binary <binary@example.com>", "ed25519", "");
    const signer = await Effect.runPromise(makePgpSigner(secrets({ "pgp.private-key": armored })));
    const payload = new Uint8Array([0xff, 0xfe, 0x0a, 0x00, 0x80]);
    const good = await verify(await Effect.runPromise(signer.sign(payload)), payload);
    expect(good.output).toContain("[GNUPG:] GOODSIG");
  });

  it("names pgp.private-key when the key is missing or not a secret key", async () => {
    expect((await buildFailure(new Map())).source).toBe("pgp.private-key");
    const notAKey = await buildFailure(secrets({ "pgp.private-key": "-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nabc\n" }));
    expect(notAKey.source).toBe("pgp.private-key");
    const { stdout: publicOnly } = await gpg("--armor", "--export", "Unprotected <unprotected@example.com>");
    expect((await buildFailure(secrets({ "pgp.private-key": publicOnly }))).source).toBe("pgp.private-key");
  });
});
