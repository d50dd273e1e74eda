import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseKmsRef } from "../../src/adapters/signing/kms/kms-ref.ts";
import { buildKmsFailure } from "./kms-fixtures.ts";

const buildError = (kmsref: string) => buildKmsFailure({ "signers.kms.kmsref": kmsref }, {});

describe("signers.kms.kmsref dispatch (signing.md §6)", () => {
  it.each(["awskms", "azurekms"])("rejects %s:// as not supported yet", async (scheme) => {
    const error = await buildError(`${scheme}://example/key`);
    expect(error.signer).toBe("kms");
    expect(error.source).toBe("signers.kms.kmsref");
    expect(error.reason).toBe(`kms scheme ${scheme} is not supported yet; supported are hashivault://, openbao://, gcpkms://`);
  });

  it.each([
    ["", "empty"],
    ["vault://key", "no supported scheme"],
    ["hashivault://", "hashivault://<key name>"],
    ["hashivault://a/b", "hashivault://<key name>"],
    ["hashivault://-key", "hashivault://<key name>"],
    ["openbao://key.", "openbao://<key name>"],
    ["gcpkms://projects/p/locations/l/keyRings/r", "gcpkms://projects/<p>"],
    ["gcpkms://projects/p/locations/l/keyRings/r/cryptoKeys/k/versions/1", "gcpkms://projects/<p>"],
    ["projects/p/locations/l/keyRings/r/cryptoKeys/k", "no supported scheme"],
  ])("names signers.kms.kmsref for the malformed ref %j", async (kmsref, hint) => {
    const error = await buildError(kmsref);
    expect(error.source).toBe("signers.kms.kmsref");
    expect(error.reason).toContain(hint);
  });

  it("splits Cloud KMS refs into key and optional version", () => {
    const key = "projects/p-1/locations/europe-west1/keyRings/ring/cryptoKeys/key";
    expect(parseKmsRef(`gcpkms://${key}`)).toEqual({ ok: true, ref: { provider: "gcp", cryptoKey: key, version: undefined } });
    expect(parseKmsRef(`gcpkms://${key}/cryptoKeyVersions/3`)).toEqual({
      ok: true,
      ref: { provider: "gcp", cryptoKey: key, version: "3" },
    });
  });

  // Every Vault key name of word characters, dots and dashes that starts and ends with a word character is accepted verbatim.
  it("accepts exactly the Vault key names of the reference grammar", () => {
    const word = fc.constantFrom(..."abcXYZ019_");
    const inner = fc.constantFrom(..."abcXYZ019_.-");
    fc.assert(
      fc.property(word, fc.array(inner, { maxLength: 20 }), word, fc.boolean(), (first, middle, last, single) => {
        const name = single ? first : `${first}${middle.join("")}${last}`;
        expect(parseKmsRef(`hashivault://${name}`)).toEqual({ ok: true, ref: { provider: "vault", scheme: "hashivault", keyName: name } });
        expect(parseKmsRef(`hashivault://${name}/x`).ok).toBe(false);
        expect(parseKmsRef(`hashivault://.${name}`).ok).toBe(false);
      }),
    );
  });
});
