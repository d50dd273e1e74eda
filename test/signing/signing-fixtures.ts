import { createHash, createPublicKey } from "node:crypto";
import { readFileSync } from "node:fs";
import { toTrustMaterial, Verifier } from "@sigstore/verify";
import { Effect, Result } from "effect";
import { parseChainsConfig } from "../../src/domain/config/parse-chains-config.ts";
import type { ChainsConfig } from "../../src/domain/config/chains-config.ts";
import { buildSigner } from "../../src/adapters/signing/signer-registry.ts";
import type { Signer, SignerName, SignerUnavailable } from "../../src/ports/signer.ts";

/** Tekton Chains' test keys, made by real cosign (`cosign generate-key-pair`, password `p`) and openssl. */
export const conformanceKeysDir = new URL("../fixtures/keys/", import.meta.url);
export const conformanceKey = (name: string): Uint8Array => new Uint8Array(readFileSync(new URL(name, conformanceKeysDir)));

export const configWith = (data: Readonly<Record<string, string>>): ChainsConfig =>
  Result.getOrThrow(parseChainsConfig(data)).config;

export const defaultConfig: ChainsConfig = configWith({});

const utf8 = new TextEncoder();
export const bytes = (text: string): Uint8Array => utf8.encode(text);

export const secretsOf = (entries: Readonly<Record<string, Uint8Array | string>>): ReadonlyMap<string, Uint8Array> =>
  new Map(Object.entries(entries).map(([k, v]) => [k, typeof v === "string" ? bytes(v) : v]));

export const build = (
  secrets: Readonly<Record<string, Uint8Array | string>>,
  name: SignerName = "x509",
  config: ChainsConfig = defaultConfig,
): Promise<Signer> => Effect.runPromise(buildSigner(name, { secrets: secretsOf(secrets), config }));

export const buildFailure = (
  secrets: Readonly<Record<string, Uint8Array | string>>,
  name: SignerName = "x509",
  config: ChainsConfig = defaultConfig,
): Promise<SignerUnavailable> => Effect.runPromise(Effect.flip(buildSigner(name, { secrets: secretsOf(secrets), config })));

export const signWith = (signer: Signer, data: Uint8Array): Promise<Uint8Array> => Effect.runPromise(signer.sign(data));

/**
 * A @sigstore/verify verifier whose trusted root has no CAs, logs or timestamp authorities: only the
 * given public key is trusted, under cosign's hint (base64 sha256 of the SPKI DER, computed here).
 */
export const keyOnlyVerifier = (publicKeyPem: string): Verifier => {
  const key = createPublicKey(publicKeyPem);
  const hint = createHash("sha256").update(key.export({ type: "spki", format: "der" })).digest("base64");
  const trust = toTrustMaterial(
    { mediaType: "application/vnd.dev.sigstore.trustedroot+json;version=0.1", tlogs: [], certificateAuthorities: [], ctlogs: [], timestampAuthorities: [] },
    (wanted) => {
      if (wanted !== hint) throw new Error(`unknown key hint ${wanted}`);
      return { publicKey: key, validFor: () => true };
    },
  );
  return new Verifier(trust, { tlogThreshold: 0, ctlogThreshold: 0, timestampThreshold: 0 });
};
