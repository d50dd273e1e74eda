import { X509Certificate } from "node:crypto";
import { rmSync, writeFileSync } from "node:fs";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { sampleRuns } from "../../src/app/demo/sample-runs.ts";
import { EmbeddedChains } from "../../src/app/harness/embedded-chains.ts";
import { preAuthEncoding } from "../../src/domain/dsse/pae.ts";
import type { RunRef } from "../../src/domain/run/run-ref.ts";
import { describeWithTools, opensslVerifies } from "../support/independent-verifiers.ts";
import { type LoopbackSigstore, startLoopbackSigstore } from "../support/loopback-sigstore.ts";
import {
  type KeylessSetup,
  keylessSetup,
  opensslCertificateKey,
  opensslChainVerifies,
  signingCertRequests,
  trustedRootOf,
  unsignedJwt,
} from "./keyless-fixtures.ts";

const b64 = (text: string | undefined) => Buffer.from(text ?? "", "base64");

describeWithTools("openssl")("controller with keyless signing (loopback Fulcio)", () => {
  let sigstore: LoopbackSigstore;
  let setup: KeylessSetup;
  let chains: EmbeddedChains | undefined;
  beforeAll(async () => {
    sigstore = await startLoopbackSigstore();
    setup = keylessSetup(trustedRootOf(sigstore));
  });
  afterEach(async () => {
    await chains?.stop();
    chains = undefined;
    sigstore.failNext("fulcio", 500, 0);
    // The loopback Fulcio dates certificates by the real clock.
    setup.clock.set(new Date());
  });
  afterAll(async () => {
    await sigstore.close();
    rmSync(setup.dir, { recursive: true, force: true });
  });

  const start = () =>
    EmbeddedChains.start({
      signingSecrets: {},
      keyless: setup.context,
      config: {
        "signers.x509.fulcio.enabled": "true",
        "signers.x509.fulcio.address": sigstore.url,
        "transparency.enabled": "true",
        "artifacts.oci.storage": "",
      },
    });

  const completedTaskRuns = async (count: number): Promise<ReadonlyArray<RunRef>> => {
    const refs = sampleRuns()
      .taskRuns.slice(0, count)
      .map((run) => chains!.createRun(run));
    for (const ref of refs) chains!.completeRun(ref);
    return refs;
  };

  /** Completes one run, waits until it is marked failed, and returns it with its pass-failure Events. */
  const failedRun = async () => {
    const [ref] = await completedTaskRuns(1);
    expect(await chains!.awaitSigned(ref!)).toBe("failed");
    const events = chains!.cluster.events().filter((e) => e.reason === "SigningRetry" || e.reason === "SigningFailed");
    return { ref: ref!, events };
  };

  it("signs every run with a certificate that chains to the Fulcio root; one certificate for all of them", async () => {
    setup.rotateToken();
    const before = signingCertRequests(sigstore).length;
    chains = await start();
    const refs = await completedTaskRuns(2);
    for (const ref of refs) expect(await chains.awaitSigned(ref)).toBe("true");
    const more = sampleRuns().taskRuns.slice(2);
    for (const run of more) {
      const ref = chains.createRun(run);
      chains.completeRun(ref);
      expect(await chains.awaitSigned(ref)).toBe("true");
    }
    expect(signingCertRequests(sigstore).length - before).toBe(1);

    const certificates = new Set<string>();
    for (const ref of refs) {
      const annotations = chains.annotations(ref);
      const uid = chains.cluster.getRun(ref)!.metadata.uid!;
      const certificatePem = b64(annotations[`chains.tekton.dev/cert-taskrun-${uid}`]).toString();
      const chainPem = b64(annotations[`chains.tekton.dev/chain-taskrun-${uid}`]).toString();
      expect(opensslChainVerifies(sigstore.caRootPem, certificatePem, setup.dir)).toBe(true);
      expect(new X509Certificate(chainPem).fingerprint256).toBe(new X509Certificate(sigstore.caRootPem).fingerprint256);
      certificates.add(certificatePem);
      const payload = b64(annotations[`chains.tekton.dev/payload-taskrun-${uid}`]);
      const envelope = JSON.parse(b64(annotations[`chains.tekton.dev/signature-taskrun-${uid}`]).toString());
      const verified = opensslVerifies({
        publicKeyPem: opensslCertificateKey(certificatePem),
        scheme: "ecdsa-sha256",
        data: preAuthEncoding(envelope.payloadType, payload),
        signature: Buffer.from(envelope.signatures[0].sig, "base64"),
      });
      expect(verified).toBe(true);
    }
    expect(certificates.size).toBe(1);
    // Transparency is on (keyless requires it): every signature went to the log, with the leaf's key.
    const [certificatePem] = certificates;
    const leafKey = new X509Certificate(certificatePem!).publicKey.export({ type: "spki", format: "pem" }).toString();
    const uploads = chains.transparencyLog.entries();
    expect(uploads.length).toBeGreaterThanOrEqual(refs.length);
    for (const entry of uploads) expect(entry.upload.publicKeyPem).toBe(leafKey);
  });

  it("renews the certificate near its expiry, with the token the kubelet has rotated meanwhile", async () => {
    setup.rotateToken("before-rotation");
    chains = await start();
    const certificateOf = async (name: string) => {
      const run = structuredClone(sampleRuns().taskRuns[1]!);
      run.metadata.name = name;
      const ref = chains!.createRun(run);
      chains!.completeRun(ref);
      expect(await chains!.awaitSigned(ref)).toBe("true");
      const uid = chains!.cluster.getRun(ref)!.metadata.uid!;
      return new X509Certificate(b64(chains!.annotations(ref)[`chains.tekton.dev/cert-taskrun-${uid}`]).toString());
    };
    const before = signingCertRequests(sigstore).length;
    const first = await certificateOf("first");
    // Fulcio's certificates live 10 minutes; chains-ts renews with 2 minutes left.
    setup.clock.set(new Date(first.validToDate.getTime() - 2 * 60_000 - 1));
    expect((await certificateOf("within-validity")).fingerprint256).toBe(first.fingerprint256);
    setup.rotateToken("after-rotation");
    setup.clock.advance(1);
    const renewed = await certificateOf("after-renewal");
    expect(renewed.fingerprint256).not.toBe(first.fingerprint256);
    expect(first.subjectAltName).toContain("before-rotation");
    expect(renewed.subjectAltName).toContain("after-rotation");
    expect(signingCertRequests(sigstore).length - before).toBe(2);
  });

  it("an expired projected token fails the pass with an Event naming the token file, and the run is never marked signed", async () => {
    const seconds = Math.floor(setup.clock.now().getTime() / 1000);
    writeFileSync(setup.tokenPath, unsignedJwt({ sub: "x", aud: "sigstore", exp: seconds - 60 }));
    chains = await start();
    const { ref, events } = await failedRun();
    expect(events.length).toBeGreaterThan(1);
    for (const event of events) expect(event.message).toMatch(new RegExp(`${setup.tokenPath}.*expired`));
    expect(chains.cluster.writes(ref).some((w) => w.write.annotations?.["chains.tekton.dev/signed"] === "true")).toBe(false);
  });

  it("a Fulcio that answers 500 fails each pass with an Event giving its answer, and the run is never marked signed", async () => {
    setup.rotateToken();
    sigstore.failNext("fulcio", 500, 1_000);
    chains = await start();
    const { ref, events } = await failedRun();
    expect(events.map((e) => e.reason)).toContain("SigningRetry");
    for (const event of events) expect(event.message).toMatch(/signingCert: Fulcio answered HTTP 500/);
    const uid = chains.cluster.getRun(ref)!.metadata.uid!;
    expect(chains.annotations(ref)[`chains.tekton.dev/signature-taskrun-${uid}`]).toBeUndefined();
    expect(chains.cluster.writes(ref).some((w) => w.write.annotations?.["chains.tekton.dev/signed"] === "true")).toBe(false);
  });

  it("turning Fulcio on without transparency is rejected with an Event naming both keys; signing goes on with the key", async () => {
    chains = await EmbeddedChains.start({ keyless: setup.context, config: { "artifacts.oci.storage": "" } });
    chains.cluster.setConfig({ "signers.x509.fulcio.enabled": "true", "signers.x509.fulcio.address": sigstore.url, "artifacts.oci.storage": "" });
    const before = signingCertRequests(sigstore).length;
    const [ref] = await completedTaskRuns(1);
    expect(await chains.awaitSigned(ref!)).toBe("true");
    const rejected = chains.cluster.configEvents().filter((e) => e.reason === "ConfigRejected");
    expect(rejected).toHaveLength(1);
    expect(rejected[0]!.message).toMatch(/signers\.x509\.fulcio\.enabled.*transparency\.enabled/);
    const uid = chains.cluster.getRun(ref!)!.metadata.uid!;
    expect(chains.annotations(ref!)[`chains.tekton.dev/cert-taskrun-${uid}`]).toBe("");
    expect(signingCertRequests(sigstore).length).toBe(before);
  });

  it("recovers once Fulcio does: the next pass gets a certificate and signs", async () => {
    setup.rotateToken();
    chains = await start();
    sigstore.failNext("fulcio", 500, 1);
    const [ref] = await completedTaskRuns(1);
    expect(await chains.awaitSigned(ref!)).toBe("true");
    expect(chains.cluster.events().some((e) => e.reason === "SigningRetry" && /HTTP 500/.test(e.message))).toBe(true);
  });
});
