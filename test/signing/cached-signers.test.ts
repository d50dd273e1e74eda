import { Effect } from "effect";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { makeCachedSigners, type BuildSigner } from "../../src/adapters/signing/cached-signers.ts";
import { buildSigner } from "../../src/adapters/signing/signer-registry.ts";
import type { ChainsConfig } from "../../src/domain/config/chains-config.ts";
import { SignerUnavailable, type SignerName } from "../../src/ports/signer.ts";
import { configWith, conformanceKey, defaultConfig, secretsOf } from "./signing-fixtures.ts";

/** A mutable signing source plus a build that counts calls per name. */
const harness = (initial: { files: Readonly<Record<string, Uint8Array | string>>; config?: ChainsConfig }) => {
  const state = { version: "1", files: secretsOf(initial.files), config: initial.config ?? defaultConfig };
  const builds: Array<SignerName> = [];
  const counting: BuildSigner = (name, material) =>
    Effect.suspend(() => {
      builds.push(name);
      return buildSigner(name, material);
    });
  const signers = makeCachedSigners(
    { secrets: () => Effect.succeed({ version: state.version, files: state.files }), config: () => state.config },
    counting,
  );
  const get = (name: SignerName = "x509") => Effect.runPromise(signers.get(name));
  const failure = (name: SignerName = "x509") => Effect.runPromise(Effect.flip(signers.get(name)));
  return { state, builds, signers, get, failure };
};

/**
 * Asks for the x509 signer once per request, each under its secrets version and config: how many
 * builds that took, and how many times the (version, signer config) pair changed from the last.
 */
const buildsPerRequests = async <R extends { readonly version: string }>(
  requests: ReadonlyArray<R>,
  configOf: (request: R) => ChainsConfig,
  signerConfigOf: (request: R) => string,
): Promise<{ builds: number; stampChanges: number }> => {
  let builds = 0;
  const build: BuildSigner = (name) =>
    Effect.sync(() => {
      builds++;
      return { scheme: "ed25519", publicKeyPem: "", keyId: `${name}${builds}`, certificatePem: "", chainPem: "", sign: () => Effect.succeed(new Uint8Array()) };
    });
  let current = requests[0];
  const signers = makeCachedSigners(
    { secrets: () => Effect.succeed({ version: current?.version ?? "", files: new Map() }), config: () => (current === undefined ? defaultConfig : configOf(current)) },
    build,
  );
  let stampChanges = 0;
  let last: string | undefined;
  for (const request of requests) {
    current = request;
    const stamp = `${request.version}|${signerConfigOf(request)}`;
    if (stamp !== last) stampChanges++;
    last = stamp;
    await Effect.runPromise(signers.get("x509"));
  }
  return { builds, stampChanges };
};

const x509Files = { "x509.pem": conformanceKey("x509.pem") };
const cosignFiles = { "cosign.key": conformanceKey("cosign.key"), "cosign.password": conformanceKey("cosign.password") };

describe("cached Signers (reference defect #24: no rebuild per pass)", () => {
  it("builds a signer once and hands out the same one while nothing changes", async () => {
    const h = harness({ files: cosignFiles });
    const first = await h.get();
    const second = await h.get();
    expect(second).toBe(first);
    expect(h.builds).toEqual(["x509"]);
  });

  it("names the secrets version a key-material failure is permanent for, and no version for a config cause", async () => {
    const h = harness({ files: { "x509.pem": "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n" } });
    h.state.version = "41";
    const bad = await h.failure();
    expect(bad).toMatchObject({ _tag: "SignerUnavailable", source: "x509.pem", secretsVersion: "41" });
    h.state.config = configWith({ "signers.x509.fulcio.enabled": "true", "transparency.enabled": "true" });
    const keyless = await h.failure();
    expect(keyless).toMatchObject({ _tag: "SignerUnavailable", source: "signers.x509.fulcio.enabled" });
    expect(keyless.secretsVersion).toBeUndefined();
  });

  it("builds only the names asked for", async () => {
    const h = harness({ files: x509Files });
    await h.get("x509");
    expect(h.builds).toEqual(["x509"]);
  });

  it("shares one build between concurrent requests", async () => {
    const h = harness({ files: cosignFiles });
    const all = await Effect.runPromise(Effect.all(Array.from({ length: 5 }, () => h.signers.get("x509")), { concurrency: "unbounded" }));
    expect(new Set(all).size).toBe(1);
    expect(h.builds).toEqual(["x509"]);
  });

  it("rebuilds when the secrets change (key rotation without restart)", async () => {
    const h = harness({ files: x509Files });
    const before = await h.get();
    h.state.version = "2";
    h.state.files = secretsOf(cosignFiles);
    const after = await h.get();
    expect(after.keyId).not.toBe(before.keyId);
    expect(after.keyId).toBe("SHA256:yYS4pD9tqWXZw5+maNJ3gWm9HyoAB0qH0ef0FkIWfYs");
    expect(h.builds).toEqual(["x509", "x509"]);
  });

  it("rebuilds on a change to the signer's own config only", async () => {
    const h = harness({ files: x509Files });
    await h.get();
    h.state.config = configWith({ "builder.id": "https://example.com/other", "transparency.enabled": "true", "signers.kms.kmsref": "hashivault://k" });
    await h.get();
    expect(h.builds).toHaveLength(1);
    h.state.config = configWith({ "signers.x509.tuf.mirror.url": "https://tuf.example.com" });
    await h.get();
    expect(h.builds).toHaveLength(2);
  });

  it("keeps a failed local-key build until the secrets change, but retries a failed KMS build", async () => {
    const h = harness({ files: { "x509.pem": "garbage" } });
    expect(await h.failure()).toMatchObject({ source: "x509.pem" });
    expect(await h.failure()).toMatchObject({ source: "x509.pem" });
    expect(h.builds).toEqual(["x509"]);
    h.state.version = "2";
    h.state.files = secretsOf(x509Files);
    await expect(h.get()).resolves.toMatchObject({ scheme: "ecdsa-sha256" });
    await h.failure("kms");
    await h.failure("kms");
    expect(h.builds).toEqual(["x509", "x509", "kms", "kms"]);
  });

  it("reports a secrets source failure as is", async () => {
    const error = new SignerUnavailable({ signer: "x509", source: "signing-secrets", reason: "secret not found" });
    const signers = makeCachedSigners({ secrets: () => Effect.fail(error), config: () => defaultConfig });
    expect(await Effect.runPromise(Effect.flip(signers.get("x509")))).toBe(error);
  });

  // The number of builds equals the number of requests whose secrets version or signer config differs from the last build's.
  it("rebuilds exactly when the stamp changes", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ version: fc.constantFrom("a", "b"), fulcioAddress: fc.constantFrom("", "https://f.example.com"), builder: fc.string() }), {
          maxLength: 12,
        }),
        async (requests) => {
          const { builds, stampChanges } = await buildsPerRequests(
            requests,
            (r) => configWith({ "signers.x509.fulcio.address": r.fulcioAddress, "builder.id": r.builder }),
            (r) => r.fulcioAddress,
          );
          expect(builds).toBe(stampChanges);
        },
      ),
      { numRuns: 50 },
    );
  });
});

describe("cached Signers over a config held as one object between edits", () => {
  // Whether the config object is the same one or an equal copy, builds happen exactly when the secrets version or the signer's config changes.
  it("rebuilds exactly when the stamp changes, whatever the config object's identity", async () => {
    // Two objects for each of two Fulcio addresses: equal content, different identity.
    const pool = ["", "", "https://f.example.com", "https://f.example.com"].map((address) => configWith({ "signers.x509.fulcio.address": address }));
    await fc.assert(
      fc.asyncProperty(fc.array(fc.record({ version: fc.constantFrom("a", "b"), config: fc.integer({ min: 0, max: 3 }) }), { maxLength: 16 }), async (requests) => {
        const { builds, stampChanges } = await buildsPerRequests(
          requests,
          (r) => pool[r.config]!,
          (r) => pool[r.config]!.signers.x509.fulcio.address,
        );
        expect(builds).toBe(stampChanges);
      }),
      { numRuns: 100 },
    );
  });
});

describe("cached Signers with an expiring signer (keyless)", () => {
  // A signer carrying renewAt is handed out until the clock reaches renewAt and rebuilt from then on, once.
  it("rebuilds exactly when the clock reaches renewAt", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 1_000 }), fc.array(fc.integer({ min: 0, max: 400 }), { maxLength: 15 }), async (lifetime, steps) => {
        let now = 0;
        let builds = 0;
        let renewAt = lifetime;
        const build: BuildSigner = () =>
          Effect.sync(() => {
            builds++;
            renewAt = now + lifetime;
            return { scheme: "ecdsa-sha256", publicKeyPem: "", keyId: `k${builds}`, certificatePem: "", chainPem: "", renewAt: new Date(renewAt), sign: () => Effect.succeed(new Uint8Array()) };
          });
        const signers = makeCachedSigners(
          { secrets: () => Effect.succeed({ version: "1", files: new Map() }), config: () => defaultConfig, clock: { now: () => new Date(now) } },
          build,
        );
        await Effect.runPromise(signers.get("x509"));
        let expected = 1;
        for (const step of steps) {
          now += step;
          if (now >= renewAt) expected++;
          const signer = await Effect.runPromise(signers.get("x509"));
          expect(signer.renewAt!.getTime()).toBeGreaterThan(now);
        }
        expect(builds).toBe(expected);
      }),
      { numRuns: 100 },
    );
  });

  it("retries a failed keyless build on the next request", async () => {
    let builds = 0;
    const config = configWith({ "signers.x509.fulcio.enabled": "true", "transparency.enabled": "true" });
    const signers = makeCachedSigners({ secrets: () => Effect.succeed({ version: "1", files: new Map() }), config: () => config }, () =>
      Effect.suspend(() => {
        builds++;
        return Effect.fail(new SignerUnavailable({ signer: "x509", source: "signers.x509.fulcio.address", reason: "HTTP 500" }));
      }),
    );
    await Effect.runPromise(Effect.flip(signers.get("x509")));
    await Effect.runPromise(Effect.flip(signers.get("x509")));
    expect(builds).toBe(2);
  });
});
