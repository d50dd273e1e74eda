import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Effect } from "effect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { trustedRootFile } from "../../src/adapters/sigstore-trust/trusted-root-file.ts";
import { tufTrustedRoot } from "../../src/adapters/sigstore-trust/tuf-trusted-root.ts";
import { logIdOfPem } from "../../src/adapters/rekor/verify-log-entry.ts";
import type { SigstoreTrust } from "../../src/ports/sigstore-trust.ts";
import { type LoopbackSigstore, startLoopbackSigstore } from "../support/loopback-sigstore.ts";

const trusted = (trust: SigstoreTrust["Service"]) => Effect.runPromise(Effect.result(trust.trustedRoot));

describe("sigstore trust sources", () => {
  let sigstore: LoopbackSigstore;
  const dir = mkdtempSync(join(tmpdir(), "sigstore-trust-test-"));
  beforeAll(async () => {
    sigstore = await startLoopbackSigstore();
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    return sigstore.close();
  });

  it("reads a trusted_root.json: the Rekor key by its hex logID (= sha256 of its SPKI), the CA chain, the CT log, validity", async () => {
    const root = await trusted(trustedRootFile(sigstore.trustedRootPath, "--trusted-root"));
    if (root._tag === "Failure") throw new Error(root.failure.reason);
    const [log] = root.success.transparencyLogs;
    expect(log!.publicKeyPem).toBe(sigstore.logPublicKeyPem);
    expect(log!.logId).toBe(logIdOfPem(sigstore.logPublicKeyPem));
    expect(log!.baseUrl).toBe(sigstore.url);
    expect(log!.validFrom).toBeInstanceOf(Date);
    expect(log!.validUntil).toBeUndefined();
    expect(root.success.certificateAuthorities[0]!.certificatesPem[0]!.replace(/\s/g, "")).toBe(sigstore.caRootPem.replace(/\s/g, ""));
    expect(root.success.ctLogs).toHaveLength(1);
    expect(root.success.document).toEqual(sigstore.trustedRoot);
  });

  it("names the file and its source when it is missing or not a trusted root", async () => {
    const missing = await trusted(trustedRootFile(join(dir, "nope.json"), "SIGSTORE_TRUSTED_ROOT"));
    expect(missing._tag === "Failure" && missing.failure).toMatchObject({ source: `SIGSTORE_TRUSTED_ROOT ${join(dir, "nope.json")}`, reason: "cannot read it (ENOENT)" });
    writeFileSync(join(dir, "bad.json"), JSON.stringify({ tlogs: [{ publicKey: { rawBytes: "AAAA" } }] }));
    const bad = await trusted(trustedRootFile(join(dir, "bad.json"), "--trusted-root"));
    expect(bad._tag === "Failure" && bad.failure.reason).toBe("not a sigstore trusted root: tlogs[0].publicKey.rawBytes is not a PKIX public key");
  });

  it("TUF with a non-default mirror: fetches its root.json first (as cosign does) and reports a mirror that cannot serve one", async () => {
    const requests: string[] = [];
    const mirror = createServer((req, res) => {
      requests.push(req.url ?? "");
      res.writeHead(req.url === "/root.json" ? 200 : 404).end(req.url === "/root.json" ? '{"signed":{},"signatures":[]}' : "");
    });
    await new Promise<void>((resolve) => mirror.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(mirror.address() as AddressInfo).port}`;
    try {
      const result = await trusted(tufTrustedRoot({ mirrorUrl: () => url, cacheDir: join(dir, "tuf") }));
      expect(result._tag).toBe("Failure");
      if (result._tag === "Failure") expect(result.failure.source).toBe(`TUF mirror ${url} (signers.x509.tuf.mirror.url, cache TUF_ROOT=${join(dir, "tuf")})`);
      expect(requests[0]).toBe("/root.json");
      const gone = await trusted(tufTrustedRoot({ mirrorUrl: () => "http://127.0.0.1:1", cacheDir: join(dir, "tuf") }));
      expect(gone._tag === "Failure" && gone.failure.reason).toMatch(/fetch failed|ECONNREFUSED/);
    } finally {
      mirror.closeAllConnections();
      await new Promise<void>((resolve) => mirror.close(() => resolve()));
    }
  });
});
