import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Effect } from "effect";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { KmsEnv } from "../../src/adapters/signing/kms/kms-env.ts";
import { buildKms, buildKmsFailure, makeKmsScratch, opensslAcceptsSignature, refusedLoopbackPort, type KmsScratch } from "./kms-fixtures.ts";
import { startVaultTransitEmulator, type VaultTransitEmulator } from "../support/vault-transit-emulator.ts";
import { describeWithTools, opensslVerifies, sshKeygenFingerprint } from "../support/independent-verifiers.ts";

const encoder = new TextEncoder();
const payload = encoder.encode('{"_type":"https://in-toto.io/Statement/v0.1","predicateType":"https://slsa.dev/provenance/v0.2"}');

describeWithTools("openssl", "ssh-keygen")("Vault/OpenBao transit signer (signing.md §6)", () => {
  let vault: VaultTransitEmulator;
  /** Its HOME has no ~/.vault-token, so no test picks up the machine's Vault login. */
  let scratch: KmsScratch;
  let ecdsaPem = "";
  let rsaPem = "";

  const buildOk = (data: Record<string, string>, env: KmsEnv = {}) => buildKms(data, { HOME: scratch.home, ...env });
  const buildError = (data: Record<string, string>, env: KmsEnv = {}) => buildKmsFailure(data, { HOME: scratch.home, ...env });
  /** The signer for transit key `key`, with the emulator's address and a token that may use it. */
  const buildWithToken = (key: string) =>
    buildOk({
      "signers.kms.kmsref": `hashivault://${key}`,
      "signers.kms.auth.address": vault.address,
      "signers.kms.auth.token": vault.issueToken(),
    });
  /** The last token the emulator saw on a transit call. */
  const lastTransitToken = () => vault.requests.filter((request) => request.path.includes("/transit/")).at(-1)?.token;

  beforeAll(async () => {
    vault = await startVaultTransitEmulator();
    scratch = await makeKmsScratch("chains-vault-");
    ecdsaPem = vault.createKey("chains-ecdsa");
    rsaPem = vault.createKey("chains-rsa", "rsa-2048");
  });
  afterAll(async () => {
    await vault.close();
    await scratch.remove();
  });

  it("signs a SHA-256 digest with an ECDSA transit key; openssl verifies; keyid is the SSH fingerprint", async () => {
    const signer = await buildWithToken("chains-ecdsa");
    expect(signer.scheme).toBe("ecdsa-sha256");
    expect(signer.publicKeyPem).toBe(ecdsaPem);
    expect(signer.keyId).toBe(sshKeygenFingerprint(ecdsaPem));
    expect(signer.certificatePem).toBe("");
    expect(signer.chainPem).toBe("");

    const signature = await Effect.runPromise(signer.sign(payload));
    expect(opensslVerifies({ publicKeyPem: ecdsaPem, scheme: "ecdsa-sha256", data: payload, signature })).toBe(true);
    expect(opensslVerifies({ publicKeyPem: ecdsaPem, scheme: "ecdsa-sha256", data: encoder.encode("other"), signature })).toBe(false);

    const sign = vault.requests.at(-1);
    expect(sign?.path).toBe("/v1/transit/sign/chains-ecdsa/sha2-256");
    expect(sign?.body).toMatchObject({ prehashed: true, hash_algorithm: "sha2-256", key_version: 1 });
  });

  it("signs with RSA transit keys as PKCS#1 v1.5 over SHA-256", async () => {
    const signer = await buildWithToken("chains-rsa");
    expect(signer.scheme).toBe("rsa-pkcs1v15-sha256");
    expect(signer.keyId).toBe(sshKeygenFingerprint(rsaPem));
    expect(await opensslAcceptsSignature(signer, rsaPem, payload)).toBe(true);
  });

  it("pins the key version it advertised, even after the key is rotated", async () => {
    const first = vault.createKey("rotating");
    const signer = await buildWithToken("rotating");
    const second = vault.createKey("rotating");
    const signature = await Effect.runPromise(signer.sign(payload));
    expect(signer.publicKeyPem).toBe(first);
    expect(opensslVerifies({ publicKeyPem: first, scheme: "ecdsa-sha256", data: payload, signature })).toBe(true);
    expect(opensslVerifies({ publicKeyPem: second, scheme: "ecdsa-sha256", data: payload, signature })).toBe(false);
  });

  it("prefers token-path (one trailing newline removed) over token, and re-reads the file", async () => {
    const fromFile = vault.issueToken();
    const tokenPath = await scratch.file("token", `${fromFile}\n`);
    const signer = await buildOk({
      "signers.kms.kmsref": "hashivault://chains-ecdsa",
      "signers.kms.auth.address": vault.address,
      "signers.kms.auth.token": "hvs.not-a-valid-token",
      "signers.kms.auth.token-path": tokenPath,
    });
    expect(lastTransitToken()).toBe(fromFile);

    const rotated = vault.issueToken();
    await writeFile(tokenPath, `${rotated}\n`);
    await Effect.runPromise(signer.sign(payload));
    expect(lastTransitToken()).toBe(rotated);

    const badPath = await scratch.file("bad-token", "hvs.revoked\n");
    const denied = await buildError({
      "signers.kms.kmsref": "hashivault://chains-ecdsa",
      "signers.kms.auth.address": vault.address,
      "signers.kms.auth.token": vault.issueToken(),
      "signers.kms.auth.token-path": badPath,
    });
    expect(denied.reason).toContain("permission denied");
  });

  it("falls back to env VAULT_ADDR/BAO_ADDR, VAULT_TOKEN/BAO_TOKEN, ~/.vault-token and TRANSIT_SECRET_ENGINE_PATH", async () => {
    const ref = { "signers.kms.kmsref": "hashivault://chains-ecdsa" };
    const vaultToken = vault.issueToken();
    await buildOk(ref, { VAULT_ADDR: vault.address, BAO_ADDR: "http://127.0.0.1:1", VAULT_TOKEN: vaultToken, BAO_TOKEN: "x" });
    expect(lastTransitToken()).toBe(vaultToken);

    const baoToken = vault.issueToken();
    const bao = await buildOk({ "signers.kms.kmsref": "openbao://chains-ecdsa" }, { BAO_ADDR: vault.address, BAO_TOKEN: baoToken });
    expect(lastTransitToken()).toBe(baoToken);
    expect(bao.publicKeyPem).toBe(ecdsaPem);

    const helperToken = vault.issueToken();
    const helperHome = join(scratch.dir, "helper-home");
    await mkdir(helperHome);
    await writeFile(join(helperHome, ".vault-token"), `${helperToken}\n`);
    await buildOk(ref, { VAULT_ADDR: vault.address, HOME: helperHome });
    expect(lastTransitToken()).toBe(helperToken);

    const mounted = await startVaultTransitEmulator({ mount: "chains/transit" });
    try {
      const pem = mounted.createKey("k");
      const signer = await buildOk(
        { "signers.kms.kmsref": "hashivault://k" },
        { VAULT_ADDR: mounted.address, VAULT_TOKEN: mounted.issueToken(), TRANSIT_SECRET_ENGINE_PATH: "chains/transit" },
      );
      expect(await opensslAcceptsSignature(signer, pem, payload)).toBe(true);
      expect(mounted.requests.at(-1)?.path).toBe("/v1/chains/transit/sign/k/sha2-256");
    } finally {
      await mounted.close();
    }
  });

  it("config address wins over env; an address without scheme means http://", async () => {
    const token = vault.issueToken();
    const signer = await buildOk(
      {
        "signers.kms.kmsref": "hashivault://chains-ecdsa",
        "signers.kms.auth.address": vault.address.replace("http://", ""),
      },
      { VAULT_ADDR: "http://127.0.0.1:1", VAULT_TOKEN: token },
    );
    expect(signer.publicKeyPem).toBe(ecdsaPem);
  });

  it("logs in with the JWT at auth/<oidc.path>/login when no token is configured, and reuses the login token", async () => {
    const jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6dGVrdG9uLWNoYWlucyJ9.c2ln";
    vault.allowJwtLogin("kubernetes-jwt", "chains", jwt);
    const jwtPath = await scratch.file("sa-token", `\n  ${jwt}\n`);
    const oidc = {
      "signers.kms.kmsref": "hashivault://chains-ecdsa",
      "signers.kms.auth.address": vault.address,
      "signers.kms.auth.oidc.path": "kubernetes-jwt",
      "signers.kms.auth.oidc.role": "chains",
      "signers.kms.auth.oidc.token-path": jwtPath,
    };
    const before = vault.loginCount;
    const signer = await buildOk(oidc, { VAULT_TOKEN: "hvs.env-token-must-not-win" });
    await Effect.runPromise(signer.sign(payload));
    await Effect.runPromise(signer.sign(payload));
    expect(vault.loginCount).toBe(before + 1);
    const login = vault.requests.find((request) => request.path === "/v1/auth/kubernetes-jwt/login");
    expect(login?.body).toEqual({ role: "chains", jwt });
    expect(lastTransitToken()).not.toBe("hvs.env-token-must-not-win");

    // A configured token takes precedence: no login.
    await buildOk({ ...oidc, "signers.kms.auth.token": vault.issueToken() });
    expect(vault.loginCount).toBe(before + 1);

    const wrongRole = await buildError({ ...oidc, "signers.kms.auth.oidc.role": "someone-else" });
    expect(wrongRole.source).toBe("signers.kms.auth.oidc.role");
    expect(wrongRole.reason).toContain('role "someone-else" could not be found');

    const wrongMount = await buildError({ ...oidc, "signers.kms.auth.oidc.path": "nope" });
    expect(wrongMount.source).toBe("signers.kms.auth.oidc.path");

    const empty = await buildError({ ...oidc, "signers.kms.auth.oidc.token-path": await scratch.file("empty-jwt", " \n") });
    expect(empty.source).toBe("signers.kms.auth.oidc.token-path");
    expect(empty.reason).toContain("empty");
  });

  it("fails fast, naming signers.kms.auth.address, when the configured Vault is unreachable", async () => {
    const port = await refusedLoopbackPort();
    const error = await buildError({
      "signers.kms.kmsref": "hashivault://chains-ecdsa",
      "signers.kms.auth.address": `http://127.0.0.1:${port}`,
      "signers.kms.auth.token": "hvs.secret-token-value",
    });
    expect(error.source).toBe("signers.kms.auth.address");
    expect(error.reason).toContain("ECONNREFUSED");
    expect(JSON.stringify(error)).not.toContain("secret-token-value");
  });

  it("reports 403, unknown keys and missing settings without leaking tokens", async () => {
    const base = { "signers.kms.kmsref": "hashivault://chains-ecdsa", "signers.kms.auth.address": vault.address };
    const weak = vault.issueTokenWithoutAccess();
    const denied = await buildError({ ...base, "signers.kms.auth.token": weak });
    expect(denied.source).toBe("signers.kms.auth");
    expect(denied.reason).toContain("HTTP 403");
    expect(denied.reason).toContain("permission denied");
    expect(JSON.stringify(denied)).not.toContain(weak);

    const unknown = await buildError({ ...base, "signers.kms.kmsref": "hashivault://no-such-key", "signers.kms.auth.token": vault.issueToken() });
    expect(unknown.source).toBe("signers.kms.kmsref");
    expect(unknown.reason).toContain("HTTP 404");

    const noAddress = await buildError({ "signers.kms.kmsref": "hashivault://chains-ecdsa" }, { VAULT_TOKEN: "t" });
    expect(noAddress.source).toBe("signers.kms.auth.address");

    const noToken = await buildError(base);
    expect(noToken.source).toBe("signers.kms.auth.token");
    expect(noToken.reason).toContain("VAULT_TOKEN");

    const spire = await buildError({ ...base, "signers.kms.auth.spire.sock": "unix:///spire/api.sock" });
    expect(spire.source).toBe("signers.kms.auth.spire.sock");
    expect(spire.reason).toContain("not supported yet");

    const badAddress = await buildError({ ...base, "signers.kms.auth.address": "ftp://vault.example" });
    expect(badAddress.source).toBe("signers.kms.auth.address");
  });

  it("turns a token revoked after the build into SigningFailed without the token", async () => {
    const tokenPath = await scratch.file("revocable", vault.issueToken());
    const signer = await buildOk({
      "signers.kms.kmsref": "hashivault://chains-ecdsa",
      "signers.kms.auth.address": vault.address,
      "signers.kms.auth.token-path": tokenPath,
    });
    await writeFile(tokenPath, "hvs.revoked-token-value");
    const failure = await Effect.runPromise(Effect.flip(signer.sign(payload)));
    expect(failure._tag).toBe("SigningFailed");
    expect(failure.reason).toContain("permission denied");
    expect(JSON.stringify(failure)).not.toContain("revoked-token-value");
  });
});
