import { Result } from "effect";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { IN_TOTO_PAYLOAD_TYPE, parseEnvelope, serializeEnvelope } from "../../src/domain/dsse/envelope.ts";
import { preAuthEncoding } from "../../src/domain/dsse/pae.ts";

const utf8 = new TextEncoder();
const text = (bytes: Uint8Array) => Buffer.from(bytes).toString("latin1");

describe("DSSE pre-authentication encoding (signing.md §4)", () => {
  it("matches the example in the DSSE protocol document", () => {
    // From the DSSE spec (protocol.md): PAE("http://example.com/HelloWorld", "hello world").
    expect(text(preAuthEncoding("http://example.com/HelloWorld", utf8.encode("hello world")))).toBe(
      "DSSEv1 29 http://example.com/HelloWorld 11 hello world",
    );
  });

  it("counts UTF-8 bytes of the type and raw payload bytes, not characters or base64", () => {
    const payload = utf8.encode("é€");
    const pae = preAuthEncoding("tÿpe", payload);
    expect(Buffer.from(pae).toString("utf8")).toBe("DSSEv1 5 tÿpe 5 é€");
  });

  // PAE is the ASCII header with both lengths, followed by the exact payload bytes.
  it("is the header followed by the untouched payload for any type and payload", () => {
    fc.assert(
      fc.property(fc.string(), fc.uint8Array({ maxLength: 300 }), (type, payload) => {
        const pae = preAuthEncoding(type, payload);
        const typeBytes = utf8.encode(type);
        const header = utf8.encode(`DSSEv1 ${typeBytes.length} `);
        const expected = Buffer.concat([header, typeBytes, utf8.encode(` ${payload.length} `), payload]);
        expect(Buffer.from(pae).equals(expected)).toBe(true);
      }),
    );
  });
});

describe("DSSE envelope JSON", () => {
  it("is Go JSON with keys in struct order, standard base64 and no newline", () => {
    const payload = utf8.encode('{"_type":"https://in-toto.io/Statement/v0.1"}');
    const sig = Uint8Array.from([0xfb, 0xff, 0x01]);
    const json = serializeEnvelope({ payloadType: IN_TOTO_PAYLOAD_TYPE, payload, signatures: [{ keyid: "SHA256:abc", sig }] });
    expect(json).toBe(
      `{"payloadType":"application/vnd.in-toto+json","payload":"${Buffer.from(payload).toString("base64")}",` +
        `"signatures":[{"keyid":"SHA256:abc","sig":"+/8B"}]}`,
    );
    expect(Object.keys(JSON.parse(json) as object)).toEqual(["payloadType", "payload", "signatures"]);
  });

  it("escapes strings as Go does (HTML-safe)", () => {
    const json = serializeEnvelope({ payloadType: "a<b>&c", payload: new Uint8Array(), signatures: [{ keyid: "", sig: new Uint8Array() }] });
    expect(json).toBe('{"payloadType":"a\\u003cb\\u003e\\u0026c","payload":"","signatures":[{"keyid":"","sig":""}]}');
  });

  const envelopes = fc.record({
    payloadType: fc.string(),
    payload: fc.uint8Array({ maxLength: 200 }),
    signatures: fc.array(fc.record({ keyid: fc.string(), sig: fc.uint8Array({ maxLength: 80 }) }), { maxLength: 3 }),
  });

  // Parsing what we serialize gives back the same type, payload bytes, keyids and signature bytes.
  it("round-trips through parseEnvelope", () => {
    fc.assert(
      fc.property(envelopes, (env) => {
        const parsed = parseEnvelope(serializeEnvelope(env));
        expect(Result.isSuccess(parsed)).toBe(true);
        if (Result.isFailure(parsed)) return;
        expect(parsed.success.payloadType).toBe(env.payloadType.toWellFormed());
        expect(Buffer.from(parsed.success.payload).equals(Buffer.from(env.payload))).toBe(true);
        expect(parsed.success.signatures.map((s) => [s.keyid, Buffer.from(s.sig).toString("hex")])).toEqual(
          env.signatures.map((s) => [s.keyid.toWellFormed(), Buffer.from(s.sig).toString("hex")]),
        );
      }),
    );
  });

  // Any text either parses or yields a typed EnvelopeInvalid; parseEnvelope never throws.
  it("never throws on arbitrary text", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json()), (input) => {
        const parsed = parseEnvelope(input);
        if (Result.isFailure(parsed)) expect(parsed.failure._tag).toBe("EnvelopeInvalid");
      }),
    );
  });

  it("accepts URL-safe base64 and a missing keyid, as go-securesystemslib does", () => {
    const parsed = parseEnvelope('{"payloadType":"t","payload":"-_8=","signatures":[{"sig":"AQ=="}]}');
    expect(Result.isSuccess(parsed) && [...parsed.success.payload]).toEqual([0xfb, 0xff]);
    expect(Result.isSuccess(parsed) && parsed.success.signatures[0]?.keyid).toBe("");
  });

  it.each([
    ["not JSON", "{"],
    ["an array", "[]"],
    ["no payloadType", '{"payload":"","signatures":[]}'],
    ["payload not base64", '{"payloadType":"t","payload":"@@","signatures":[]}'],
    ["no signatures", '{"payloadType":"t","payload":""}'],
    ["sig missing", '{"payloadType":"t","payload":"","signatures":[{"keyid":"k"}]}'],
    ["sig not base64", '{"payloadType":"t","payload":"","signatures":[{"sig":"a b"}]}'],
  ])("rejects %s with a reason", (_, input) => {
    const parsed = parseEnvelope(input);
    expect(Result.isFailure(parsed) && parsed.failure.reason.length > 0).toBe(true);
  });
});
