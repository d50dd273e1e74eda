import { createHash } from "node:crypto";
import { Effect, Schema } from "effect";
import { SignerUnavailable, type SignatureScheme, type Signer } from "../../../ports/signer.ts";
import { makeGcpTokenSource } from "./gcp-access-token.ts";
import { kmsBackedSigner, kmsSigningFailed } from "./kms-backed-signer.ts";
import { requestJson } from "./kms-http.ts";
import { kmsPublicKey } from "./kms-public-key.ts";
import type { KmsEnv } from "./kms-env.ts";

const KMSREF = "signers.kms.kmsref";
/** gcloud's endpoint-override variable; tests point it at a loopback emulator. */
const ENDPOINT_ENV = "CLOUDSDK_API_ENDPOINT_OVERRIDES_CLOUDKMS";
const defaultEndpoint = "https://cloudkms.googleapis.com/";

/** Cloud KMS signing algorithms we can sign with, and what `asymmetricSign` must be given. */
const algorithms: Readonly<Record<string, { readonly scheme: SignatureScheme; readonly digest: "sha256" | "sha384" | undefined }>> = {
  EC_SIGN_P256_SHA256: { scheme: "ecdsa-sha256", digest: "sha256" },
  EC_SIGN_P384_SHA384: { scheme: "ecdsa-sha384", digest: "sha384" },
  RSA_SIGN_PKCS1_2048_SHA256: { scheme: "rsa-pkcs1v15-sha256", digest: "sha256" },
  RSA_SIGN_PKCS1_3072_SHA256: { scheme: "rsa-pkcs1v15-sha256", digest: "sha256" },
  RSA_SIGN_PKCS1_4096_SHA256: { scheme: "rsa-pkcs1v15-sha256", digest: "sha256" },
  // Pure Ed25519: Cloud KMS signs the data itself.
  EC_SIGN_ED25519: { scheme: "ed25519", digest: undefined },
};

const VersionList = Schema.Struct({
  cryptoKeyVersions: Schema.optional(Schema.Array(Schema.Struct({ name: Schema.String }))),
  nextPageToken: Schema.optional(Schema.String),
});
const PublicKey = Schema.Struct({ pem: Schema.String, algorithm: Schema.String });
const SignResponse = Schema.Struct({ signature: Schema.String });

const unavailable = (reason: string) => new SignerUnavailable({ signer: "kms", source: KMSREF, reason });

/**
 * A signer backed by a Cloud KMS asymmetric-sign key version
 * (`gcpkms://projects/…/cryptoKeys/<k>[/cryptoKeyVersions/<v>]`). Without a version the newest
 * enabled one is used, and stays pinned for the signer's life so signatures match its public key.
 */
export const makeGcpKmsSigner = (
  cryptoKey: string,
  pinnedVersion: string | undefined,
  env: KmsEnv,
): Effect.Effect<Signer, SignerUnavailable> =>
  Effect.gen(function* () {
    const token = yield* makeGcpTokenSource(env);
    const rawEndpoint = env[ENDPOINT_ENV] || defaultEndpoint;
    const endpoint = URL.parse(rawEndpoint.endsWith("/") ? rawEndpoint : `${rawEndpoint}/`);
    if (endpoint === null) {
      return yield* Effect.fail(new SignerUnavailable({ signer: "kms", source: `env ${ENDPOINT_ENV}`, reason: "is not a URL" }));
    }
    const api = (path: string) => new URL(`v1/${path}`, endpoint).href;
    const authorization = (value: string) => ({ authorization: `Bearer ${value}` });

    const version =
      pinnedVersion === undefined
        ? yield* newestEnabledVersion(cryptoKey, api, token)
        : `${cryptoKey}/cryptoKeyVersions/${pinnedVersion}`;
    const described = yield* requestJson({ url: api(`${version}/publicKey`), headers: authorization(yield* token) }, PublicKey).pipe(
      Effect.mapError((failure) => unavailable(`cannot read the public key of ${version}: ${failure.message}`)),
    );
    const algorithm = algorithms[described.algorithm];
    if (algorithm === undefined) {
      return yield* Effect.fail(
        unavailable(`${version} has algorithm ${described.algorithm}; supported are ${Object.keys(algorithms).join(", ")}`),
      );
    }
    const publicKey = kmsPublicKey(described.pem);
    if (publicKey === undefined) return yield* Effect.fail(unavailable(`${version} returned no PEM public key`));

    const signUrl = api(`${version}:asymmetricSign`);
    return kmsBackedSigner({
      scheme: algorithm.scheme,
      publicKey,
      token,
      sign: (current, data) => {
        const body =
          algorithm.digest === undefined
            ? { data: Buffer.from(data).toString("base64") }
            : { digest: { [algorithm.digest]: createHash(algorithm.digest).update(data).digest("base64") } };
        return requestJson({ url: signUrl, method: "POST", headers: authorization(current), body }, SignResponse).pipe(
          Effect.map((response) => new Uint8Array(Buffer.from(response.signature, "base64"))),
          Effect.mapError((failure) => kmsSigningFailed(`Cloud KMS asymmetricSign failed: ${failure.message}`)),
        );
      },
    });
  });

/** The enabled version with the highest number (numerically, unlike the API's name ordering). */
const newestEnabledVersion = (
  cryptoKey: string,
  api: (path: string) => string,
  token: Effect.Effect<string, SignerUnavailable>,
): Effect.Effect<string, SignerUnavailable> =>
  Effect.gen(function* () {
    let newest: { readonly name: string; readonly number: number } | undefined;
    let pageToken: string | undefined;
    do {
      const query = new URLSearchParams({ filter: "state=ENABLED", ...(pageToken ? { pageToken } : {}) });
      const url = `${api(`${cryptoKey}/cryptoKeyVersions`)}?${query}`;
      const page = yield* requestJson({ url, headers: { authorization: `Bearer ${yield* token}` } }, VersionList).pipe(
        Effect.mapError((failure) => unavailable(`cannot list the versions of ${cryptoKey}: ${failure.message}`)),
      );
      for (const { name } of page.cryptoKeyVersions ?? []) {
        const number = Number(name.slice(name.lastIndexOf("/") + 1));
        if (newest === undefined || number > newest.number) newest = { name, number };
      }
      pageToken = page.nextPageToken;
    } while (pageToken);
    if (newest === undefined) return yield* Effect.fail(unavailable(`${cryptoKey} has no enabled key version`));
    return newest.name;
  });
