import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Effect } from "effect";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { KmsEnv } from "../../src/adapters/signing/kms/kms-env.ts";
import { buildKms, buildKmsFailure, makeKmsScratch, opensslAcceptsSignature, refusedLoopbackPort, type KmsScratch } from "./kms-fixtures.ts";
import { startGcpKmsEmulator, type GcpKmsEmulator } from "../support/gcp-kms-emulator.ts";
import { describeWithTools, opensslVerifies, sshKeygenFingerprint } from "../support/independent-verifiers.ts";

const encoder = new TextEncoder();
const payload = encoder.encode('{"critical":{"identity":{"docker-reference":"gcr.io/p/app"},"type":"cosign container image signature"}}');
const keyRing = "projects/chains-test/locations/global/keyRings/tekton";

describeWithTools("openssl", "ssh-keygen")("Cloud KMS signer (signing.md §6)", () => {
  let gcp: GcpKmsEmulator;
  let scratch: KmsScratch;
  /** Env that reaches only the emulator: its API endpoint and its metadata server. */
  const baseEnv = (): KmsEnv => ({
    HOME: scratch.home,
    CLOUDSDK_API_ENDPOINT_OVERRIDES_CLOUDKMS: gcp.endpoint,
    GCE_METADATA_HOST: gcp.metadataHost,
  });
  const buildOk = (kmsref: string, env: KmsEnv = {}) => buildKms({ "signers.kms.kmsref": kmsref }, { ...baseEnv(), ...env });
  const buildError = (kmsref: string, env: KmsEnv = {}) =>
    buildKmsFailure({ "signers.kms.kmsref": kmsref }, { ...baseEnv(), ...env });
  const lastKmsAuthorization = () => gcp.requests.filter((request) => request.path.startsWith("/v1/")).at(-1)?.authorization;

  beforeAll(async () => {
    gcp = await startGcpKmsEmulator();
    scratch = await makeKmsScratch("chains-gcpkms-");
  });
  afterAll(async () => {
    await gcp.close();
    await scratch.remove();
  });

  it("signs with a pinned EC P-256 version; openssl verifies; keyid is the SSH fingerprint", async () => {
    const { name, publicKeyPem } = gcp.createKeyVersion(`${keyRing}/cryptoKeys/pinned`);
    const token = gcp.issueToken();
    const signer = await buildOk(`gcpkms://${name}`, { CLOUDSDK_AUTH_ACCESS_TOKEN_FILE: await scratch.file("token", `${token}\n`) });
    expect(signer.scheme).toBe("ecdsa-sha256");
    expect(signer.publicKeyPem).toBe(publicKeyPem);
    expect(signer.keyId).toBe(sshKeygenFingerprint(publicKeyPem));
    expect(signer.certificatePem).toBe("");

    const signature = await Effect.runPromise(signer.sign(payload));
    expect(opensslVerifies({ publicKeyPem, scheme: "ecdsa-sha256", data: payload, signature })).toBe(true);
    expect(opensslVerifies({ publicKeyPem, scheme: "ecdsa-sha256", data: encoder.encode("x"), signature })).toBe(false);
    const sign = gcp.requests.at(-1);
    expect(sign?.path).toBe(`/v1/${name}:asymmetricSign`);
    expect(sign?.authorization).toBe(`Bearer ${token}`);
  });

  it("signs with RSA PKCS#1 v1.5 SHA-256 keys", async () => {
    const { name, publicKeyPem } = gcp.createKeyVersion(`${keyRing}/cryptoKeys/rsa`, "RSA_SIGN_PKCS1_2048_SHA256");
    const signer = await buildOk(`gcpkms://${name}`, { CLOUDSDK_AUTH_ACCESS_TOKEN_FILE: await scratch.file("rsa-token", gcp.issueToken()) });
    expect(signer.scheme).toBe("rsa-pkcs1v15-sha256");
    expect(await opensslAcceptsSignature(signer, publicKeyPem, payload)).toBe(true);
  });

  it("signs EC P-384 keys over SHA-384 and Ed25519 keys over the data itself", async () => {
    const token = { CLOUDSDK_AUTH_ACCESS_TOKEN_FILE: await scratch.file("other-token", gcp.issueToken()) };
    const p384 = gcp.createKeyVersion(`${keyRing}/cryptoKeys/p384`, "EC_SIGN_P384_SHA384");
    const p384Signer = await buildOk(`gcpkms://${p384.name}`, token);
    expect(p384Signer.scheme).toBe("ecdsa-sha384");
    expect(p384Signer.keyId).toBe(sshKeygenFingerprint(p384.publicKeyPem));
    const p384Signature = await Effect.runPromise(p384Signer.sign(payload));
    expect(opensslVerifies({ publicKeyPem: p384.publicKeyPem, scheme: "ecdsa-sha384", data: payload, signature: p384Signature })).toBe(true);

    const ed25519 = gcp.createKeyVersion(`${keyRing}/cryptoKeys/ed25519`, "EC_SIGN_ED25519");
    const edSigner = await buildOk(`gcpkms://${ed25519.name}`, token);
    expect(edSigner.scheme).toBe("ed25519");
    expect(edSigner.keyId).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    const edSignature = await Effect.runPromise(edSigner.sign(payload));
    expect(edSignature.length).toBe(64);
    expect(opensslVerifies({ publicKeyPem: ed25519.publicKeyPem, scheme: "ed25519", data: payload, signature: edSignature })).toBe(true);
    expect(opensslVerifies({ publicKeyPem: ed25519.publicKeyPem, scheme: "ed25519", data: encoder.encode("x"), signature: edSignature })).toBe(false);
  });

  it("without a version uses the newest enabled one, numerically, across pages", async () => {
    const cryptoKey = `${keyRing}/cryptoKeys/unpinned`;
    const created = Array.from({ length: 11 }, () => gcp.createKeyVersion(cryptoKey));
    const eleventh = created[10];
    const tenth = created[9];
    if (eleventh === undefined || tenth === undefined) throw new Error("versions missing");
    gcp.disableKeyVersion(eleventh.name);
    const signer = await buildOk(`gcpkms://${cryptoKey}`, { CLOUDSDK_AUTH_ACCESS_TOKEN_FILE: await scratch.file("u-token", gcp.issueToken()) });
    expect(signer.publicKeyPem).toBe(tenth.publicKeyPem);
    expect(await opensslAcceptsSignature(signer, tenth.publicKeyPem, payload)).toBe(true);
    expect(gcp.requests.at(-1)?.path).toBe(`/v1/${tenth.name}:asymmetricSign`);

    const none = `${keyRing}/cryptoKeys/all-disabled`;
    gcp.disableKeyVersion(gcp.createKeyVersion(none).name);
    const error = await buildError(`gcpkms://${none}`, { CLOUDSDK_AUTH_ACCESS_TOKEN_FILE: await scratch.file("n-token", gcp.issueToken()) });
    expect(error.reason).toContain("no enabled key version");
  });

  it("gets a token from the metadata server (GCE_METADATA_HOST) and reuses it until it expires", async () => {
    const { name, publicKeyPem } = gcp.createKeyVersion(`${keyRing}/cryptoKeys/metadata`);
    const before = gcp.tokensIssued;
    const signer = await buildOk(`gcpkms://${name}`);
    await Effect.runPromise(signer.sign(payload));
    const signature = await Effect.runPromise(signer.sign(payload));
    expect(gcp.tokensIssued).toBe(before + 1);
    expect(opensslVerifies({ publicKeyPem, scheme: "ecdsa-sha256", data: payload, signature })).toBe(true);
    const metadataCall = gcp.requests.find((request) => request.path.startsWith("/computeMetadata/"));
    expect(metadataCall).toBeDefined();
  });

  it("uses GOOGLE_APPLICATION_CREDENTIALS (service_account JWT bearer) before the metadata server", async () => {
    const { name, publicKeyPem } = gcp.createKeyVersion(`${keyRing}/cryptoKeys/service-account`);
    const credentials = await scratch.file("sa.json", gcp.serviceAccountCredentials());
    const before = gcp.requests.length;
    const signer = await buildOk(`gcpkms://${name}`, { GOOGLE_APPLICATION_CREDENTIALS: credentials });
    expect(await opensslAcceptsSignature(signer, publicKeyPem, payload)).toBe(true);
    const paths = gcp.requests.slice(before).map((request) => request.path);
    expect(paths).toContain("/token");
    expect(paths.some((path) => path.startsWith("/computeMetadata/"))).toBe(false);

    const other = JSON.parse(gcp.serviceAccountCredentials()) as Record<string, unknown>;
    const forged = await scratch.file("forged.json", JSON.stringify({ ...other, client_email: "someone@example.iam.gserviceaccount.com" }));
    const rejected = await buildError(`gcpkms://${name}`, { GOOGLE_APPLICATION_CREDENTIALS: forged });
    expect(rejected.source).toBe("env GOOGLE_APPLICATION_CREDENTIALS");
    expect(rejected.reason).toContain("Invalid JWT Signature");
    expect(JSON.stringify(rejected)).not.toContain("PRIVATE KEY");

    const external = await scratch.file("external.json", JSON.stringify({ type: "external_account", audience: "x" }));
    const unsupported = await buildError(`gcpkms://${name}`, { GOOGLE_APPLICATION_CREDENTIALS: external });
    expect(unsupported.reason).toContain("not supported yet");
  });

  it("uses gcloud's application_default_credentials.json (authorized_user) under CLOUDSDK_CONFIG", async () => {
    const { name, publicKeyPem } = gcp.createKeyVersion(`${keyRing}/cryptoKeys/adc`);
    const config = join(scratch.dir, "gcloud");
    await mkdir(config);
    await writeFile(join(config, "application_default_credentials.json"), gcp.authorizedUserCredentials());
    const signer = await buildOk(`gcpkms://${name}`, { CLOUDSDK_CONFIG: config });
    expect(await opensslAcceptsSignature(signer, publicKeyPem, payload)).toBe(true);
    expect(lastKmsAuthorization()).toMatch(/^Bearer ya29\./);
  });

  it("reports 401/403, unknown and unusable keys with Google's message and without the token", async () => {
    const { name } = gcp.createKeyVersion(`${keyRing}/cryptoKeys/errors`);
    const weak = gcp.issueTokenWithoutAccess();
    const denied = await buildError(`gcpkms://${name}`, { CLOUDSDK_AUTH_ACCESS_TOKEN_FILE: await scratch.file("weak", weak) });
    expect(denied.source).toBe("signers.kms.kmsref");
    expect(denied.reason).toContain("HTTP 403");
    expect(denied.reason).toContain("cloudkms.cryptoKeyVersions.viewPublicKey");
    expect(JSON.stringify(denied)).not.toContain(weak);

    const invalid = await buildError(`gcpkms://${name}`, { CLOUDSDK_AUTH_ACCESS_TOKEN_FILE: await scratch.file("invalid", "ya29.invalid-token-value") });
    expect(invalid.reason).toContain("HTTP 401");
    expect(JSON.stringify(invalid)).not.toContain("invalid-token-value");

    const token = { CLOUDSDK_AUTH_ACCESS_TOKEN_FILE: await scratch.file("good", gcp.issueToken()) };
    const missing = await buildError(`gcpkms://${keyRing}/cryptoKeys/errors/cryptoKeyVersions/9`, token);
    expect(missing.reason).toContain("HTTP 404");

    const decrypt = gcp.createKeyVersion(`${keyRing}/cryptoKeys/decrypt`, "RSA_DECRYPT_OAEP_2048_SHA256");
    const wrongPurpose = await buildError(`gcpkms://${decrypt.name}`, token);
    expect(wrongPurpose.reason).toContain("RSA_DECRYPT_OAEP_2048_SHA256");
  });

  it("names the credential source when no token can be had", async () => {
    const port = await refusedLoopbackPort();
    const { name } = gcp.createKeyVersion(`${keyRing}/cryptoKeys/no-token`);

    const noMetadata = await buildError(`gcpkms://${name}`, { GCE_METADATA_HOST: `127.0.0.1:${port}` });
    expect(noMetadata.source).toBe("GCP credentials");
    expect(noMetadata.reason).toContain("ECONNREFUSED");

    const emptyFile = await buildError(`gcpkms://${name}`, { CLOUDSDK_AUTH_ACCESS_TOKEN_FILE: await scratch.file("empty", "\n") });
    expect(emptyFile.source).toBe("env CLOUDSDK_AUTH_ACCESS_TOKEN_FILE");
  });

  it("turns a token that stopped working after the build into SigningFailed", async () => {
    const { name } = gcp.createKeyVersion(`${keyRing}/cryptoKeys/revoked`);
    const tokenFile = await scratch.file("revocable", gcp.issueToken());
    const signer = await buildOk(`gcpkms://${name}`, { CLOUDSDK_AUTH_ACCESS_TOKEN_FILE: tokenFile });
    await writeFile(tokenFile, "ya29.revoked-token-value");
    const failure = await Effect.runPromise(Effect.flip(signer.sign(payload)));
    expect(failure._tag).toBe("SigningFailed");
    expect(failure.reason).toContain("HTTP 401");
    expect(JSON.stringify(failure)).not.toContain("revoked-token-value");
  });
});
