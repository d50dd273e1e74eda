import { createPublicKey, verify, X509Certificate } from "node:crypto";
import { rmSync } from "node:fs";
import { Effect } from "effect";
import { afterAll, beforeAll, expect, it } from "vitest";
import { makeCachedSigners } from "../../src/adapters/signing/cached-signers.ts";
import { keylessSigner } from "../../src/adapters/signing/fulcio/keyless-signer.ts";
import { buildSigner } from "../../src/adapters/signing/signer-registry.ts";
import { parseChainsConfig } from "../../src/domain/config/parse-chains-config.ts";
import type { ChainsConfig } from "../../src/domain/config/chains-config.ts";
import { Result } from "effect";
import { describeWithTools, opensslVerifies } from "../support/independent-verifiers.ts";
import { type LoopbackSigstore, startLoopbackSigstore } from "../support/loopback-sigstore.ts";
import {
  type KeylessSetup,
  keylessSetup,
  opensslCertificateKey,
  opensslChainVerifies,
  signingCertRequests,
  trustedRootOf,
} from "./keyless-fixtures.ts";

const keylessConfig = (sigstore: LoopbackSigstore, extra: Record<string, string> = {}): ChainsConfig =>
  Result.getOrThrow(
    parseChainsConfig({
      "signers.x509.fulcio.enabled": "true",
      "signers.x509.fulcio.address": sigstore.url,
      "transparency.enabled": "true",
      ...extra,
    }),
  ).config;

const sanOf = (certificatePem: string) => new X509Certificate(certificatePem).subjectAltName;

describeWithTools("openssl")("keyless signer (Fulcio)", () => {
  let sigstore: LoopbackSigstore;
  let v1Only: LoopbackSigstore;
  let setup: KeylessSetup;
  beforeAll(async () => {
    sigstore = await startLoopbackSigstore();
    v1Only = await startLoopbackSigstore({ fulcioV1Only: true });
    setup = keylessSetup(trustedRootOf(sigstore));
    setup.rotateToken();
  });
  afterAll(async () => {
    await sigstore.close();
    await v1Only.close();
    rmSync(setup.dir, { recursive: true, force: true });
  });

  it("gets a certificate from /api/v2/signingCert that chains to the Fulcio root, for its own ephemeral key", async () => {
    const before = signingCertRequests(sigstore).length;
    const signer = await Effect.runPromise(keylessSigner(keylessConfig(sigstore).signers.x509, setup.context));
    expect(signingCertRequests(sigstore).slice(before)).toEqual(["POST /api/v2/signingCert"]);
    expect(opensslChainVerifies(sigstore.caRootPem, signer.certificatePem, setup.dir)).toBe(true);
    expect(createPublicKey(opensslCertificateKey(signer.certificatePem)).export({ type: "spki", format: "pem" })).toBe(signer.publicKeyPem);
    expect(signer.chainPem).toContain("BEGIN CERTIFICATE");
    expect(new X509Certificate(signer.chainPem).toString()).toBe(new X509Certificate(sigstore.caRootPem).toString());
    expect(sanOf(signer.certificatePem)).toContain("system:serviceaccount:tekton-chains:tekton-chains-controller");
    const data = new TextEncoder().encode("DSSEv1 28 application/vnd.in-toto+json 2 {}");
    const signature = await Effect.runPromise(signer.sign(data));
    expect(opensslVerifies({ publicKeyPem: opensslCertificateKey(signer.certificatePem), scheme: "ecdsa-sha256", data, signature })).toBe(true);
    expect(signer.keyId).toMatch(/^SHA256:/);
    const notAfter = new X509Certificate(signer.certificatePem).validToDate.getTime();
    expect(signer.renewAt!.getTime()).toBeLessThan(notAfter);
    expect(signer.renewAt!.getTime()).toBeGreaterThan(setup.clock.now().getTime());
  });

  it("falls back to /api/v1/signingCert when the server answers 404 for v2", async () => {
    const v1Setup = { ...setup.context, trustedRoot: Effect.succeed(trustedRootOf(v1Only)) };
    const signer = await Effect.runPromise(keylessSigner(keylessConfig(v1Only).signers.x509, v1Setup));
    expect(signingCertRequests(v1Only)).toEqual(["POST /api/v2/signingCert", "POST /api/v1/signingCert"]);
    expect(opensslChainVerifies(v1Only.caRootPem, signer.certificatePem, setup.dir)).toBe(true);
  });

  it("refuses a certificate from a CA the trusted root does not list", async () => {
    const foreign = { ...setup.context, trustedRoot: Effect.succeed(trustedRootOf(v1Only)) };
    const error = await Effect.runPromise(Effect.flip(keylessSigner(keylessConfig(sigstore).signers.x509, foreign)));
    expect(error).toMatchObject({ _tag: "SignerUnavailable", source: "signers.x509.fulcio.address" });
    expect(error.reason).toMatch(/not issued by a certificate authority of the Sigstore trusted root/);
  });

  it("refuses a certificate whose SCT comes from a CT log the trusted root does not list", async () => {
    const root = trustedRootOf(sigstore);
    const noCtLog = { ...setup.context, trustedRoot: Effect.succeed({ ...root, ctLogs: trustedRootOf(v1Only).ctLogs }) };
    const error = await Effect.runPromise(Effect.flip(keylessSigner(keylessConfig(sigstore).signers.x509, noCtLog)));
    expect(error.reason).toMatch(/SCT is from CT log [0-9a-f]{64}, which the trusted root does not list/);
  });

  it("names Fulcio's address and answer when it fails, and never the token", async () => {
    sigstore.failNext("fulcio", 500);
    const error = await Effect.runPromise(Effect.flip(keylessSigner(keylessConfig(sigstore).signers.x509, setup.context)));
    expect(error).toMatchObject({ source: "signers.x509.fulcio.address" });
    expect(error.reason).toContain(`${sigstore.url}/api/v2/signingCert`);
    expect(error.reason).toContain("HTTP 500");
    const token = (await import("node:fs")).readFileSync(setup.tokenPath, "utf8");
    expect(JSON.stringify(error)).not.toContain(token.split(".")[1]);
  });

  it("is refused without a keyless context (no trusted root), naming the config key", async () => {
    const error = await Effect.runPromise(Effect.flip(buildSigner("x509", { secrets: new Map(), config: keylessConfig(sigstore) })));
    expect(error).toMatchObject({ source: "signers.x509.fulcio.enabled" });
  });

  /** The controller's signer cache over the keyless signer, on the test clock. */
  const cachedKeylessSigners = () => {
    const config = keylessConfig(sigstore);
    return makeCachedSigners(
      { secrets: () => Effect.succeed({ version: "1", files: new Map() }), config: () => config, clock: setup.clock },
      (name, material) => buildSigner(name, material, setup.context),
    );
  };

  it("serves many passes from one certificate, and renews it (re-reading the token) only near expiry", async () => {
    const signers = cachedKeylessSigners();
    setup.rotateToken("first-identity");
    const before = signingCertRequests(sigstore).length;
    const first = await Effect.runPromise(signers.get("x509"));
    for (let pass = 0; pass < 5; pass++) {
      setup.clock.advance(60_000);
      expect((await Effect.runPromise(signers.get("x509"))).certificatePem).toBe(first.certificatePem);
    }
    expect(signingCertRequests(sigstore).length - before).toBe(1);
    // The kubelet rotated the projected token meanwhile; the renewal must use the new one.
    setup.rotateToken("second-identity");
    setup.clock.set(first.renewAt!);
    const renewed = await Effect.runPromise(signers.get("x509"));
    expect(signingCertRequests(sigstore).length - before).toBe(2);
    expect(renewed.certificatePem).not.toBe(first.certificatePem);
    expect(renewed.publicKeyPem).not.toBe(first.publicKeyPem);
    expect(sanOf(first.certificatePem)).toContain("first-identity");
    expect(sanOf(renewed.certificatePem)).toContain("second-identity");
  });

  it("retries a failed build on the next request instead of caching the failure", async () => {
    const signers = cachedKeylessSigners();
    setup.rotateToken();
    sigstore.failNext("fulcio", 500);
    await expect(Effect.runPromise(signers.get("x509"))).rejects.toThrow();
    const signer = await Effect.runPromise(signers.get("x509"));
    expect(verify("sha256", Buffer.from("x"), signer.publicKeyPem, Buffer.from(await Effect.runPromise(signer.sign(Buffer.from("x")))))).toBe(true);
  });
});
