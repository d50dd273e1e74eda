import { createHash, generateKeyPairSync, sign } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeWithTools, openssl } from "../support/independent-verifiers.ts";
import { type LoopbackSigstore, startLoopbackSigstore } from "../support/loopback-sigstore.ts";

const unsignedJwt = (claims: Record<string, unknown>): string =>
  [{ alg: "none" }, claims].map((part) => Buffer.from(JSON.stringify(part)).toString("base64url")).join(".") + ".";

const hashedRekord = (payload: Buffer) => {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  return {
    apiVersion: "0.0.1",
    spec: {
      data: { hash: { algorithm: "sha256", value: createHash("sha256").update(payload).digest("hex") } },
      signature: {
        content: sign("sha256", payload, privateKey).toString("base64"),
        publicKey: { content: Buffer.from(publicKey.export({ format: "pem", type: "spki" })).toString("base64") },
      },
    },
    kind: "hashedrekord",
  };
};

// The loopback servers stand in for Rekor and Fulcio in other tests, so they are checked here
// with openssl alone: what they sign must verify against the trusted root they publish.
describeWithTools("openssl")("loopback Rekor and Fulcio (test support)", () => {
  let sigstore: LoopbackSigstore;
  const dir = mkdtempSync(join(tmpdir(), "loopback-sigstore-test-"));
  beforeAll(async () => {
    sigstore = await startLoopbackSigstore();
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    return sigstore.close();
  });

  it("logs an entry whose SET verifies with the trusted log key, and answers a duplicate with 409 + Location", async () => {
    const body = JSON.stringify(hashedRekord(Buffer.from("payload")));
    const created = await fetch(`${sigstore.url}/api/v1/log/entries`, { method: "POST", body, headers: { "Content-Type": "application/json" } });
    expect(created.status).toBe(201);
    const [uuid, entry] = Object.entries((await created.json()) as Record<string, any>)[0]!;
    const set = { body: entry.body, integratedTime: entry.integratedTime, logID: entry.logID, logIndex: entry.logIndex };
    writeFileSync(join(dir, "set.json"), JSON.stringify(set));
    writeFileSync(join(dir, "set.sig"), Buffer.from(entry.verification.signedEntryTimestamp, "base64"));
    writeFileSync(join(dir, "log.pub"), sigstore.logPublicKeyPem);
    expect(openssl(["dgst", "-sha256", "-verify", join(dir, "log.pub"), "-signature", join(dir, "set.sig"), join(dir, "set.json")]).toString()).toContain("Verified OK");

    const again = await fetch(`${sigstore.url}/api/v1/log/entries`, { method: "POST", body, headers: { "Content-Type": "application/json" } });
    expect(again.status).toBe(409);
    expect(again.headers.get("location")).toBe(`/api/v1/log/entries/${uuid}`);
    const fetched = (await (await fetch(`${sigstore.url}/api/v1/log/entries/${uuid}`)).json()) as Record<string, any>;
    expect(fetched[uuid].body).toBe(entry.body);
  });

  it("issues certificates (v2 and v1) that openssl chains to the CA root of the trusted root", async () => {
    const { publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const pem = publicKey.export({ format: "pem", type: "spki" }).toString();
    const token = unsignedJwt({ iss: "https://issuer.example", sub: "system:serviceaccount:tekton-chains:tekton-chains-controller" });
    const v2 = await fetch(`${sigstore.url}/api/v2/signingCert`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ credentials: { oidcIdentityToken: token }, publicKeyRequest: { publicKey: { content: pem } } }),
    });
    expect(v2.status).toBe(201);
    const [leaf] = ((await v2.json()) as any).signedCertificateEmbeddedSct.chain.certificates as string[];
    const v1 = await fetch(`${sigstore.url}/api/v1/signingCert`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
      body: JSON.stringify({ publicKey: { content: Buffer.from(pem).toString("base64") } }),
    });
    expect(v1.status).toBe(201);
    const v1Leaf = (await v1.text()).split(/(?<=-----END CERTIFICATE-----\n)/)[0]!;
    writeFileSync(join(dir, "root.pem"), sigstore.caRootPem);
    for (const [name, cert] of [["v2.pem", leaf!], ["v1.pem", v1Leaf]] as const) {
      writeFileSync(join(dir, name), cert);
      // -partial_chain is not needed: the trusted root's CA certificate is the self-signed root.
      expect(openssl(["verify", "-CAfile", join(dir, "root.pem"), join(dir, name)]).toString()).toContain(": OK");
    }
  });

  it("injects faults and can announce a log key that is not the trusted one", async () => {
    sigstore.failNext("rekor", 503, 2);
    const body = JSON.stringify(hashedRekord(Buffer.from("other")));
    const post = () => fetch(`${sigstore.url}/api/v1/log/entries`, { method: "POST", body });
    expect((await post()).status).toBe(503);
    expect((await post()).status).toBe(503);
    expect((await post()).status).toBe(201);
    sigstore.announceForeignLogKey();
    expect(await (await fetch(`${sigstore.url}/api/v1/log/publicKey`)).text()).not.toBe(sigstore.logPublicKeyPem);
  });
});
