import { createHash } from "node:crypto";
import fc from "fast-check";
import { expect, it } from "vitest";
import { dsseBody, hashedRekordBody } from "../../src/domain/transparency/rekor-entry-body.ts";

const pem = "-----BEGIN PUBLIC KEY-----\nMFkw\n-----END PUBLIC KEY-----\n";

// For any envelope text, the dsse body is Go JSON in the reference's key order, embeds the envelope
// exactly (as a string, with Go's HTML-safe escapes) and names the verifier PEM in base64.
it("dsse v0.0.1: apiVersion, spec, kind; the envelope embedded verbatim with Go escapes; signatures null", () => {
  fc.assert(
    fc.property(fc.string({ unit: "binary" }).filter((s) => !/[\uD800-\uDFFF]/.test(s)), (envelopeJson) => {
      const body = dsseBody({ envelopeJson, verifierPem: pem });
      expect(body.startsWith('{"apiVersion":"0.0.1","spec":{"proposedContent":{"envelope":')).toBe(true);
      expect(body.endsWith(`,"verifiers":["${Buffer.from(pem).toString("base64")}"]},"signatures":null},"kind":"dsse"}`)).toBe(true);
      expect(body).not.toMatch(/[<>&]/);
      const parsed = JSON.parse(body);
      expect(parsed.spec.proposedContent.envelope).toBe(envelopeJson);
    }),
    { numRuns: 200 },
  );
  expect(dsseBody({ envelopeJson: '{"payload":"<&>"}', verifierPem: pem })).toContain('"envelope":"{\\"payload\\":\\"\\u003c\\u0026\\u003e\\"}"');
});

// For any payload and signature, the hashedrekord body holds the payload's SHA-256 (hex) and the
// signature and verifier PEM in std base64, in the Go struct order.
it("hashedrekord v0.0.1: SHA-256 of the payload, the raw signature and the PEM in base64, in Go order", () => {
  fc.assert(
    fc.property(fc.uint8Array(), fc.uint8Array({ minLength: 1 }), (payload, signature) => {
      const body = hashedRekordBody({ payload, signature, verifierPem: pem });
      const hash = createHash("sha256").update(payload).digest("hex");
      expect(body).toBe(
        `{"apiVersion":"0.0.1","spec":{"data":{"hash":{"algorithm":"sha256","value":"${hash}"}},` +
          `"signature":{"content":"${Buffer.from(signature).toString("base64")}","publicKey":{"content":"${Buffer.from(pem).toString("base64")}"}}},"kind":"hashedrekord"}`,
      );
    }),
  );
});
