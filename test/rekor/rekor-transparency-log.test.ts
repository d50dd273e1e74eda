// The Rekor adapter against a loopback Rekor (@sigstore/mock): what it proposes, what it accepts,
// and that every entry it returns is one openssl and @sigstore/verify accept with the log key alone.
import { createHash, generateKeyPairSync, sign, X509Certificate } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bundleFromJSON } from "@sigstore/bundle";
import { toSignedEntity } from "@sigstore/verify";
import { Effect } from "effect";
import { afterAll, beforeAll, expect, it, onTestFinished } from "vitest";
import { makeRekorTransparencyLog } from "../../src/adapters/rekor/rekor-transparency-log.ts";
import { trustedRootFile } from "../../src/adapters/sigstore-trust/trusted-root-file.ts";
import { dsseEnvelopeBundle } from "../../src/adapters/storage/oci/sigstore-bundle.ts";
import { IN_TOTO_PAYLOAD_TYPE, serializeEnvelope } from "../../src/domain/dsse/envelope.ts";
import { preAuthEncoding } from "../../src/domain/dsse/pae.ts";
import { cosignRekorBundle } from "../../src/domain/transparency/rekor-bundle.ts";
import { dsseBody, hashedRekordBody } from "../../src/domain/transparency/rekor-entry-body.ts";
import type { TransparencyUpload } from "../../src/ports/transparency-log.ts";
import { describeWithTools } from "../support/independent-verifiers.ts";
import {
  type LoopbackSigstore,
  loopbackVerifier,
  setVerifiesWithOpenssl,
  startLoopbackSigstore,
} from "../support/loopback-sigstore.ts";

const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
const publicKeyPem = publicKey.export({ type: "spki", format: "pem" }).toString();
const utf8 = new TextEncoder();

const simpleSigning = (text: string): TransparencyUpload => {
  const payload = utf8.encode(text);
  return { payload, signature: sign("sha256", payload, privateKey), publicKeyPem, certificatePem: "", dsse: false };
};

const statement = (name: string) => JSON.stringify({ _type: "https://in-toto.io/Statement/v1", subject: [{ name, digest: { sha256: "ab".repeat(32) } }] });

const envelopeUpload = (text: string, signingKey = privateKey): TransparencyUpload => {
  const payload = utf8.encode(text);
  const sig = sign("sha256", preAuthEncoding(IN_TOTO_PAYLOAD_TYPE, payload), signingKey);
  const envelope = utf8.encode(serializeEnvelope({ payloadType: IN_TOTO_PAYLOAD_TYPE, payload, signatures: [{ keyid: "", sig }] }));
  return { payload: envelope, signature: envelope, publicKeyPem, certificatePem: "", dsse: true };
};

describeWithTools("openssl")("Rekor transparency log adapter (loopback Rekor, openssl, @sigstore/verify)", () => {
  let sigstore: LoopbackSigstore;
  const upload = (u: TransparencyUpload, url?: string, trustedRoot?: string) =>
    Effect.runPromise(
      Effect.result(
        makeRekorTransparencyLog({
          url: () => url ?? sigstore.url,
          trust: trustedRootFile(trustedRoot ?? sigstore.trustedRootPath, "test"),
        }).upload(u),
      ),
    );
  const succeeded = async (u: TransparencyUpload, url?: string) => {
    const result = await upload(u, url);
    if (result._tag === "Failure") throw new Error(result.failure.reason);
    return result.success;
  };
  const failure = async (u: TransparencyUpload, url?: string, trustedRoot?: string) => {
    const result = await upload(u, url, trustedRoot);
    if (result._tag === "Success") throw new Error(`expected a failure, got entry ${result.success.logIndex}`);
    return result.failure.reason;
  };

  beforeAll(async () => {
    sigstore = await startLoopbackSigstore();
  });
  afterAll(() => sigstore.close());

  it("logs a simplesigning signature as hashedrekord v0.0.1: the exact proposed body, an entry URL that resolves, a SET openssl accepts", async () => {
    const u = simpleSigning('{"critical":{"image":{"docker-manifest-digest":"sha256:00"}}}');
    const entry = await succeeded(u);
    expect(sigstore.proposals.at(-1)).toBe(hashedRekordBody({ payload: u.payload, signature: u.signature, verifierPem: publicKeyPem }));
    expect(sigstore.proposals.at(-1)).toMatch(/^\{"apiVersion":"0\.0\.1","spec":\{"data":\{"hash":\{"algorithm":"sha256","value":"[0-9a-f]{64}"\}\},"signature":/);
    expect(sigstore.proposals.at(-1)).toMatch(/,"kind":"hashedrekord"\}$/);
    expect(entry.url).toBe(`${sigstore.url}/api/v1/log/entries?logIndex=${entry.logIndex}`);
    const resolved = Object.values((await (await fetch(entry.url)).json()) as Record<string, any>)[0];
    expect(resolved.body).toBe(entry.body);
    const body = JSON.parse(Buffer.from(entry.body, "base64").toString("utf8"));
    expect(body.spec.signature.content).toBe(Buffer.from(u.signature).toString("base64"));
    expect(body.spec.data.hash.value).toBe(createHash("sha256").update(u.payload).digest("hex"));
    expect(setVerifiesWithOpenssl({ ...resolved, signedEntryTimestamp: resolved.verification.signedEntryTimestamp }, sigstore.logPublicKeyPem)).toBe(true);
    expect(setVerifiesWithOpenssl({ ...resolved, logIndex: resolved.logIndex + 1, signedEntryTimestamp: resolved.verification.signedEntryTimestamp }, sigstore.logPublicKeyPem)).toBe(false);
  });

  it("logs a DSSE envelope as dsse v0.0.1, and its sigstore bundle with the entry verifies with @sigstore/verify (tlog threshold 1)", async () => {
    const u = envelopeUpload(statement("registry.example/app"));
    const envelopeJson = new TextDecoder().decode(u.signature);
    const entry = await succeeded(u);
    expect(entry.kind).toBe("dsse");
    expect(sigstore.proposals.at(-1)).toBe(dsseBody({ envelopeJson, verifierPem: publicKeyPem }));
    expect(sigstore.proposals.at(-1)).toMatch(/,"signatures":null\},"kind":"dsse"\}$/);
    expect(entry.inclusionProof).toBeDefined();
    const bundle = dsseEnvelopeBundle({ envelopeJson, publicKeyPem, certificatePem: "", tlogEntry: entry });
    if (bundle._tag === "Failure") throw new Error(bundle.failure);
    const json = JSON.parse(new TextDecoder().decode(bundle.success));
    expect(json.verificationMaterial.tlogEntries[0].kindVersion).toEqual({ kind: "dsse", version: "0.0.1" });
    expect(() => loopbackVerifier(sigstore.trustedRoot, publicKeyPem).verify(toSignedEntity(bundleFromJSON(json)))).not.toThrow();
    // The entry is the bundle's only tlog evidence: without it the same bundle is rejected.
    const bare = { ...json, verificationMaterial: { publicKey: json.verificationMaterial.publicKey, tlogEntries: [] } };
    expect(() => loopbackVerifier(sigstore.trustedRoot, publicKeyPem).verify(toSignedEntity(bundleFromJSON(bare)))).toThrow();
  });

  it("takes the existing entry on 409 Conflict (the same signature logged again), fetched by the Location UUID and verified", async () => {
    const u = simpleSigning("logged twice");
    const first = await succeeded(u);
    const before = sigstore.requests.length;
    const second = await succeeded(u);
    expect(second).toEqual(first);
    expect(sigstore.requests.slice(before)).toEqual([
      "POST /api/v1/log/entries",
      `GET /api/v1/log/entries/${first.uuid}`,
      "GET /api/v1/log/publicKey",
    ]);
  });

  it("builds cosign's Rekor bundle with capitalised keys and the inner order body, integratedTime, logIndex, logID", async () => {
    const entry = await succeeded(simpleSigning("bundle"));
    expect(cosignRekorBundle(entry)).toBe(
      `{"SignedEntryTimestamp":"${entry.signedEntryTimestamp}","Payload":{"body":"${entry.body}","integratedTime":${entry.integratedTime},"logIndex":${entry.logIndex},"logID":"${entry.logId}"}}`,
    );
  });

  it("tries 4 times on 5xx without delay, and not again on 501", async () => {
    sigstore.failNext("rekor", 503, 3);
    await succeeded(simpleSigning("fourth attempt"));
    sigstore.failNext("rekor", 502, 4);
    expect(await failure(simpleSigning("never"))).toMatch(/HTTP 502/);
    const before = sigstore.requests.length;
    sigstore.failNext("rekor", 501, 1);
    expect(await failure(simpleSigning("not implemented"))).toMatch(/HTTP 501/);
    expect(sigstore.requests.length - before).toBe(1);
  });

  it("refuses an answer larger than 4 MiB without trying again", async () => {
    let posts = 0;
    const server = createServer((req, res) => {
      posts += req.method === "POST" ? 1 : 0;
      res.writeHead(201, { "Content-Type": "application/json" }).end(`{"${"a".repeat(64)}":"${"x".repeat(5 * 1024 * 1024)}"}`);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      expect(await failure(simpleSigning("huge"), `http://127.0.0.1:${(server.address() as AddressInfo).port}`)).toMatch(/response larger than 4 MiB/);
      expect(posts).toBe(1);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it("refuses an entry whose signed entry timestamp does not verify with the trusted log key", async () => {
    sigstore.corruptNextSet();
    expect(await failure(simpleSigning("corrupt SET"))).toMatch(/signed entry timestamp .* does not verify/);
  });

  it("refuses entries of a log the trusted root does not hold, a DSSE envelope that does not verify, an unreachable or unparsable URL", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rekor-test-"));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const foreign = { ...sigstore.trustedRoot, tlogs: [] };
    writeFileSync(join(dir, "foreign.json"), JSON.stringify({ ...foreign, certificateAuthorities: (sigstore.trustedRoot as any).certificateAuthorities }));
    expect(await failure(simpleSigning("untrusted log"), undefined, join(dir, "foreign.json"))).toMatch(/trusted root does not hold/);
    expect(await failure(simpleSigning("no root"), undefined, join(dir, "missing.json"))).toMatch(/no trusted log key: test .*missing\.json/);

    const before = sigstore.proposals.length;
    const other = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey;
    expect(await failure(envelopeUpload(statement("x"), other))).toMatch(/does not verify with the signer's key/);
    expect(sigstore.proposals.length).toBe(before);

    const closed = await startLoopbackSigstore();
    const closedUrl = closed.url;
    await closed.close();
    expect(await failure(simpleSigning("unreachable"), closedUrl)).toMatch(/ECONNREFUSED/);
    expect(await failure(simpleSigning("bad url"), "not a url")).toMatch(/not an http\(s\) URL/);
  });

  it("refuses an entry when the log announces another key than the trusted one (/publicKey is never trusted by itself)", async () => {
    const other = await startLoopbackSigstore();
    try {
      other.announceForeignLogKey();
      const result = await Effect.runPromise(
        Effect.result(
          makeRekorTransparencyLog({ url: () => other.url, trust: trustedRootFile(other.trustedRootPath, "test") }).upload(simpleSigning("foreign")),
        ),
      );
      expect(result._tag === "Failure" && result.failure.reason).toMatch(/announces key [0-9a-f]{64}, not the trusted key/);
    } finally {
      await other.close();
    }
  });

  it("names the certificate as the verifier for a keyless signer (entry within its validity)", async () => {
    const ephemeral = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const token = [{ alg: "none" }, { iss: "https://issuer.example", sub: "chains" }].map((p) => Buffer.from(JSON.stringify(p)).toString("base64url")).join(".") + ".";
    const issued = await fetch(`${sigstore.url}/api/v2/signingCert`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({
        credentials: { oidcIdentityToken: token },
        publicKeyRequest: { publicKey: { content: ephemeral.publicKey.export({ type: "spki", format: "pem" }).toString() } },
      }),
    });
    const [certificatePem] = ((await issued.json()) as any).signedCertificateEmbeddedSct.chain.certificates as string[];
    const payload = utf8.encode("keyless");
    const u: TransparencyUpload = {
      payload,
      signature: sign("sha256", payload, ephemeral.privateKey),
      publicKeyPem: ephemeral.publicKey.export({ type: "spki", format: "pem" }).toString(),
      certificatePem: certificatePem!,
      dsse: false,
    };
    const entry = await succeeded(u);
    const body = JSON.parse(Buffer.from(entry.body, "base64").toString("utf8"));
    expect(Buffer.from(body.spec.signature.publicKey.content, "base64").toString()).toContain("-----BEGIN CERTIFICATE-----");
    const integrated = new Date(entry.integratedTime * 1000);
    const cert = new X509Certificate(certificatePem!);
    expect(integrated >= new Date(cert.validFrom) && integrated <= new Date(cert.validTo)).toBe(true);
  });

  it("keeps a path prefix of transparency.url in the API path and the entry URL verbatim", async () => {
    const entry = await succeeded(simpleSigning("prefix"), `${sigstore.url}/`);
    expect(entry.url).toBe(`${sigstore.url}//api/v1/log/entries?logIndex=${entry.logIndex}`);
    expect(sigstore.requests).toContain("POST /api/v1/log/entries");
    const prefixed = await failure(simpleSigning("prefixed"), `${sigstore.url}/rekor`);
    expect(prefixed).toMatch(/HTTP 404/);
    expect(sigstore.requests).toContain("POST /rekor/api/v1/log/entries");
  });
});
