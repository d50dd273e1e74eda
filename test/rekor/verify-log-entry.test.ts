// Offline entry verification (reused by `chains-ts verify`): a genuine entry from the loopback Rekor
// passes; each kind of tampering, and each trust mismatch, is refused with its reason.
import { createHash, createPublicKey, generateKeyPairSync, sign } from "node:crypto";
import { Result } from "effect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ExpectedEntry, verifyLogEntry, type LogEntryToVerify } from "../../src/adapters/rekor/verify-log-entry.ts";
import { hashedRekordBody } from "../../src/domain/transparency/rekor-entry-body.ts";
import type { TrustedKey } from "../../src/ports/sigstore-trust.ts";
import { type LoopbackSigstore, startLoopbackSigstore } from "../support/loopback-sigstore.ts";

describe("verifyLogEntry", () => {
  let sigstore: LoopbackSigstore;
  let genuine: LogEntryToVerify;
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const verifierPem = publicKey.export({ type: "spki", format: "pem" }).toString();

  beforeAll(async () => {
    sigstore = await startLoopbackSigstore();
    const payload = Buffer.from("payload");
    const signature = sign("sha256", payload, privateKey);
    const response = await fetch(`${sigstore.url}/api/v1/log/entries`, {
      method: "POST",
      body: hashedRekordBody({ payload, signature, verifierPem }),
    });
    const [uuid, entry] = Object.entries((await response.json()) as Record<string, unknown>)[0]!;
    const logId = createHash("sha256").update(createPublicKey(sigstore.logPublicKeyPem).export({ type: "spki", format: "der" })).digest("hex");
    const trusted: TrustedKey = { logId, baseUrl: sigstore.url, publicKeyPem: sigstore.logPublicKeyPem, validFrom: new Date(Date.now() - 3600_000) };
    const expected: ExpectedEntry = {
      kind: "hashedrekord",
      payloadSha256: createHash("sha256").update(payload).digest("hex"),
      signature: signature.toString("base64"),
      verifier: Buffer.from(verifierPem).toString("base64"),
    };
    genuine = { uuid, entry, expected, trustedLogs: [trusted], certificatePem: "", transparencyUrl: sigstore.url };
  });
  afterAll(() => sigstore.close());

  const withEntry = (change: (entry: any) => void): LogEntryToVerify => {
    const entry = structuredClone(genuine.entry) as any;
    change(entry);
    return { ...genuine, entry };
  };
  const reason = (input: LogEntryToVerify) => {
    const result = verifyLogEntry(input);
    return Result.isFailure(result) ? result.failure : "verified";
  };

  it("accepts the genuine entry and returns what the bundles need", () => {
    const result = verifyLogEntry(genuine);
    if (Result.isFailure(result)) throw new Error(result.failure);
    const entry = genuine.entry as { logIndex: number; body: string };
    expect(result.success).toMatchObject({ uuid: genuine.uuid, logIndex: entry.logIndex, body: entry.body, kind: "hashedrekord" });
    expect(result.success.url).toBe(`${sigstore.url}/api/v1/log/entries?logIndex=${entry.logIndex}`);
    expect(result.success.inclusionProof?.checkpoint).toContain("\u2014 ");
  });

  it("refuses a changed index or time (the SET covers them)", () => {
    expect(reason(withEntry((e) => (e.logIndex += 1)))).toMatch(/signed entry timestamp .* does not verify/);
    expect(reason(withEntry((e) => (e.integratedTime -= 1)))).toMatch(/signed entry timestamp .* does not verify/);
  });

  it("refuses a wrong inclusion proof root, a path that does not fit, and a checkpoint not signed by the log", () => {
    expect(reason(withEntry((e) => (e.verification.inclusionProof.rootHash = "00".repeat(32))))).toMatch(/does not lead to its root hash/);
    expect(reason(withEntry((e) => (e.verification.inclusionProof.hashes = ["00".repeat(32)])))).toMatch(/does not fit leaf/);
    expect(reason(withEntry((e) => (e.verification.inclusionProof.checkpoint = e.verification.inclusionProof.checkpoint.replace(/ [A-Za-z0-9+/=]+\n$/, " AAAAAAAA\n"))))).toMatch(
      /checkpoint carries no valid signature/,
    );
  });

  it("refuses an entry that logs another signature, key or payload", () => {
    expect(reason({ ...genuine, expected: { ...genuine.expected, signature: Buffer.from("other").toString("base64") } })).toMatch(/does not log this signature/);
    expect(reason({ ...genuine, expected: { ...genuine.expected, payloadSha256: "00".repeat(32) } })).toMatch(/does not log this signature/);
    expect(reason({ ...genuine, expected: { ...genuine.expected, kind: "dsse" } })).toMatch(/is hashedrekord 0\.0\.1, not dsse/);
  });

  it("refuses a log key the trusted root does not hold, or outside its validity", () => {
    expect(reason({ ...genuine, trustedLogs: [] })).toMatch(/which the trusted root does not hold/);
    const [trusted] = genuine.trustedLogs;
    expect(reason({ ...genuine, trustedLogs: [{ ...trusted!, validUntil: new Date(Date.now() - 1800_000) }] })).toMatch(/outside the validity of trusted log key/);
  });
});
