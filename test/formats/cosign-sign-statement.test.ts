import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { cosignSignStatement } from "../../src/domain/formats/cosign-sign-statement.ts";

/**
 * What cosign 3.x `signDigestBundle` marshals (protojson of an in-toto v1 Statement), written out
 * here with JSON.stringify in the proto field order: `Statement` = _type, subject, predicateType,
 * predicate; `ResourceDescriptor` = digest, annotations (cosign sets an empty Struct, and no name).
 */
const cosignExpectation = (hex: string): string =>
  JSON.stringify({
    _type: "https://in-toto.io/Statement/v1",
    subject: [{ digest: { sha256: hex }, annotations: {} }],
    predicateType: "https://sigstore.dev/cosign/sign/v1",
    predicate: {},
  });

const hex64 = fc.stringMatching(/^[a-f0-9]{64}$/);

describe("the cosign/sign/v1 statement of an image signature", () => {
  it("has cosign's keys, in cosign's order, and only the digest as subject", () => {
    const hex = "20ab676d319c93ef5b4bef9290ed913ed8feaa0c92c43a7cddc28a3697918b92";
    const text = cosignSignStatement(`sha256:${hex}`);
    const parsed = JSON.parse(text) as Record<string, unknown>;
    expect(Object.keys(parsed)).toEqual(["_type", "subject", "predicateType", "predicate"]);
    expect(parsed["_type"]).toBe("https://in-toto.io/Statement/v1");
    expect(parsed["predicateType"]).toBe("https://sigstore.dev/cosign/sign/v1");
    expect(parsed["predicate"]).toEqual({});
    const subject = parsed["subject"] as ReadonlyArray<Record<string, unknown>>;
    expect(subject).toHaveLength(1);
    expect(Object.keys(subject[0]!)).toEqual(["digest", "annotations"]);
    expect(subject[0]!["digest"]).toEqual({ sha256: hex });
    // Compact, no trailing newline: the signed bytes are exactly the JSON text.
    expect(text).not.toMatch(/\s/);
  });

  // Invariant: for every sha256 digest the statement is byte for byte what cosign marshals for it.
  it("is byte-identical to cosign's marshalling for any digest", () => {
    fc.assert(fc.property(hex64, (hex) => cosignSignStatement(`sha256:${hex}`) === cosignExpectation(hex)));
  });
});
