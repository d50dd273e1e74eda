import { Effect } from "effect";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { buildSigner } from "../../src/adapters/signing/signer-registry.ts";
import { conformanceKey, defaultConfig, secretsOf } from "./signing-fixtures.ts";

/** Builds a signer; a defect (a throw) rejects the promise and fails the property. */
const outcome = (secrets: Readonly<Record<string, Uint8Array | string>>) =>
  Effect.runPromise(
    Effect.match(buildSigner("x509", { secrets: secretsOf(secrets), config: defaultConfig }), {
      onFailure: (error) => ({ ok: false as const, error }),
      onSuccess: (signer) => ({ ok: true as const, signer }),
    }),
  );

const pemOf = (type: string, body: Uint8Array) =>
  `-----BEGIN ${type}-----\n${(Buffer.from(body).toString("base64").match(/.{1,64}/g) ?? []).join("\n")}\n-----END ${type}-----\n`;

const pemTypes = fc.constantFrom("PRIVATE KEY", "ENCRYPTED SIGSTORE PRIVATE KEY", "ENCRYPTED COSIGN PRIVATE KEY", "EC PRIVATE KEY");

describe("key material from users never crashes the signer build", () => {
  // Any bytes as x509.pem give a signer or a SignerUnavailable naming x509.pem, never a throw.
  it("arbitrary x509.pem bytes", async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.uint8Array(), pemTypes.chain((t) => fc.uint8Array().map((b) => pemOf(t, b)))), async (pem) => {
        const result = await outcome({ "x509.pem": pem });
        if (!result.ok) expect(result.error).toMatchObject({ _tag: "SignerUnavailable", source: "x509.pem" });
      }),
    );
  });

  // Any bytes or JSON inside a cosign.key PEM give a typed SignerUnavailable, never a throw.
  it("arbitrary cosign.key bytes and JSON bodies", async () => {
    const bodies = fc.oneof(
      fc.uint8Array(),
      fc.json().map((j) => new TextEncoder().encode(j)),
      fc
        .record({ kdf: fc.record({ name: fc.string(), params: fc.object(), salt: fc.string() }), cipher: fc.object(), ciphertext: fc.string() })
        .map((j) => new TextEncoder().encode(JSON.stringify(j))),
    );
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.uint8Array(), pemTypes.chain((t) => bodies.map((b) => pemOf(t, b)))), fc.uint8Array(), async (key, password) => {
        const result = await outcome({ "cosign.key": key, "cosign.password": password });
        expect(result.ok).toBe(false);
        if (!result.ok) expect(result.error._tag).toBe("SignerUnavailable");
      }),
    );
  });

  // A well-formed cosign JSON with an allowed scrypt cost but arbitrary salt, nonce and ciphertext gives a typed SignerUnavailable.
  it("arbitrary salt, nonce and ciphertext under allowed scrypt costs", async () => {
    const b64 = fc.uint8Array({ maxLength: 80 }).map((b) => Buffer.from(b).toString("base64"));
    const body = fc
      .record({ salt: b64, nonce: fc.oneof(b64, fc.uint8Array({ minLength: 24, maxLength: 24 }).map((b) => Buffer.from(b).toString("base64"))), ciphertext: b64 })
      .map(({ salt, nonce, ciphertext }) =>
        new TextEncoder().encode(
          JSON.stringify({ kdf: { name: "scrypt", params: { N: 32768, r: 8, p: 1 }, salt }, cipher: { name: "nacl/secretbox", nonce }, ciphertext }),
        ),
      );
    await fc.assert(
      fc.asyncProperty(body, fc.uint8Array(), async (json, password) => {
        const result = await outcome({ "cosign.key": pemOf("ENCRYPTED SIGSTORE PRIVATE KEY", json), "cosign.password": password });
        expect(result.ok).toBe(false);
        if (!result.ok) expect(["cosign.key", "cosign.password"]).toContain(result.error.source);
      }),
      { numRuns: 6 },
    );
  });

  // Any password other than the real one fails against cosign.password, and the error never contains it.
  it("arbitrary passwords for the real cosign key", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 8, maxLength: 40 }), async (password) => {
        const result = await outcome({ "cosign.key": conformanceKey("cosign.key"), "cosign.password": password });
        expect(result.ok).toBe(false);
        if (result.ok) return;
        expect(result.error.source).toBe("cosign.password");
        const shown = JSON.stringify(result.error);
        for (const encoding of ["latin1", "utf8", "base64", "hex"] as const)
          expect(shown).not.toContain(Buffer.from(password).toString(encoding));
      }),
      { numRuns: 8 },
    );
  });
});
