import { createSign } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { Effect, Schema } from "effect";
import { SignerUnavailable } from "../../../ports/signer.ts";
import { gceMetadataUrl, metadataFlavorHeader } from "../../gce/gce-metadata-url.ts";
import { requestJson } from "./kms-http.ts";
import type { KmsEnv } from "./kms-env.ts";
import { parseJsonText } from "../../../domain/serialization/json-text.ts";

/**
 * Where the Cloud KMS access token comes from, in this order:
 * 1. env `CLOUDSDK_AUTH_ACCESS_TOKEN_FILE` (gcloud's name): a file holding a bearer token, re-read
 *    for every request, for setups that mint tokens outside the controller;
 * 2. Google application default credentials: env `GOOGLE_APPLICATION_CREDENTIALS`, else gcloud's
 *    `application_default_credentials.json` (under `CLOUDSDK_CONFIG` or `~/.config/gcloud`), of
 *    type `service_account` or `authorized_user`;
 * 3. the GCE/GKE metadata server (workload identity), at env `GCE_METADATA_HOST` like Google's
 *    client libraries, default `metadata.google.internal`.
 * Exchanged tokens are reused until shortly before they expire.
 */
export type GcpTokenSource = Effect.Effect<string, SignerUnavailable>;

const scope = "https://www.googleapis.com/auth/cloud-platform";
const defaultTokenUri = "https://oauth2.googleapis.com/token";
const expiryMarginMs = 60_000;

const unavailable = (source: string, reason: string) => new SignerUnavailable({ signer: "kms", source, reason });

const TokenResponse = Schema.Struct({ access_token: Schema.String, expires_in: Schema.optional(Schema.Number) });
const Credentials = Schema.Struct({
  type: Schema.String,
  client_email: Schema.optional(Schema.String),
  private_key: Schema.optional(Schema.String),
  private_key_id: Schema.optional(Schema.String),
  client_id: Schema.optional(Schema.String),
  client_secret: Schema.optional(Schema.String),
  refresh_token: Schema.optional(Schema.String),
  token_uri: Schema.optional(Schema.String),
});
const decodeCredentials = Schema.decodeUnknownOption(Credentials);
type Credentials = typeof Credentials.Type;

const readText = (path: string, source: string) =>
  Effect.tryPromise({
    try: () => readFile(path, "utf8"),
    catch: (cause) => unavailable(source, `cannot read ${path}: ${(cause as NodeJS.ErrnoException).code ?? "read failed"}`),
  });

/** Reuses a fetched token until shortly before it expires. */
const cachedToken = (fetchToken: Effect.Effect<typeof TokenResponse.Type, SignerUnavailable>): GcpTokenSource => {
  let cached: { readonly token: string; readonly renewAt: number } | undefined;
  return Effect.gen(function* () {
    if (cached !== undefined && Date.now() < cached.renewAt) return cached.token;
    const startedAt = Date.now();
    const response = yield* fetchToken;
    cached = { token: response.access_token, renewAt: startedAt + (response.expires_in ?? 0) * 1000 - expiryMarginMs };
    return response.access_token;
  });
};

const base64url = (value: string | Buffer) => Buffer.from(value).toString("base64url");

/** A signed JWT-bearer assertion for a service-account key (RFC 7523, as Google's libraries build it). */
const serviceAccountAssertion = (email: string, privateKey: string, keyId: string | undefined, tokenUri: string) => {
  const now = Math.floor(Date.now() / 1000);
  const header = base64url(JSON.stringify({ alg: "RS256", typ: "JWT", ...(keyId ? { kid: keyId } : {}) }));
  const claims = base64url(JSON.stringify({ iss: email, sub: email, aud: tokenUri, scope, iat: now, exp: now + 3600 }));
  const signature = createSign("RSA-SHA256").update(`${header}.${claims}`).sign(privateKey);
  return `${header}.${claims}.${base64url(signature)}`;
};

const fromCredentials = (credentials: Credentials, source: string): Effect.Effect<GcpTokenSource, SignerUnavailable> => {
  const tokenUri = credentials.token_uri || defaultTokenUri;
  const exchange = (form: URLSearchParams) =>
    requestJson({ url: tokenUri, method: "POST", body: form }, TokenResponse).pipe(
      Effect.mapError((failure) => unavailable(source, `token exchange failed: ${failure.message}`)),
    );
  switch (credentials.type) {
    case "service_account": {
      const { client_email: email, private_key: privateKey } = credentials;
      if (!email || !privateKey) return Effect.fail(unavailable(source, "service_account credentials lack client_email or private_key"));
      return Effect.succeed(
        cachedToken(
          Effect.suspend(() =>
            Effect.try({
              try: () => serviceAccountAssertion(email, privateKey, credentials.private_key_id, tokenUri),
              catch: () => unavailable(source, "the service account private_key is not a usable RSA key"),
            }),
          ).pipe(
            Effect.flatMap((assertion) =>
              exchange(new URLSearchParams({ grant_type: "urn:ietf:params:oauth:grant-type:jwt-bearer", assertion })),
            ),
          ),
        ),
      );
    }
    case "authorized_user": {
      const { client_id, client_secret, refresh_token } = credentials;
      if (!client_id || !client_secret || !refresh_token) {
        return Effect.fail(unavailable(source, "authorized_user credentials lack client_id, client_secret or refresh_token"));
      }
      return Effect.succeed(
        cachedToken(exchange(new URLSearchParams({ grant_type: "refresh_token", client_id, client_secret, refresh_token }))),
      );
    }
    default:
      return Effect.fail(
        unavailable(
          source,
          `credentials of type ${JSON.stringify(credentials.type)} are not supported yet; ` +
            "use service_account, authorized_user or the metadata server",
        ),
      );
  }
};

const fromCredentialsFile = (path: string, source: string): Effect.Effect<GcpTokenSource, SignerUnavailable> =>
  Effect.gen(function* () {
    const text = yield* readText(path, source);
    let json: unknown;
    try {
      json = parseJsonText(text);
    } catch {
      json = undefined;
    }
    const credentials = decodeCredentials(json);
    if (credentials._tag === "None") return yield* Effect.fail(unavailable(source, `${path} is not a Google credentials JSON file`));
    return yield* fromCredentials(credentials.value, source);
  });

const fromMetadataServer = (env: KmsEnv): GcpTokenSource => {
  const url = gceMetadataUrl(env, "instance/service-accounts/default/token");
  return cachedToken(
    requestJson({ url, headers: metadataFlavorHeader }, TokenResponse).pipe(
      Effect.mapError((failure) =>
        unavailable(
          "GCP credentials",
          "no token from the metadata server (outside GCP set GOOGLE_APPLICATION_CREDENTIALS or " +
            `CLOUDSDK_AUTH_ACCESS_TOKEN_FILE): ${failure.message}`,
        ),
      ),
    ),
  );
};

export const makeGcpTokenSource = (env: KmsEnv): Effect.Effect<GcpTokenSource, SignerUnavailable> => {
  const tokenFile = env["CLOUDSDK_AUTH_ACCESS_TOKEN_FILE"];
  if (tokenFile) {
    const source = "env CLOUDSDK_AUTH_ACCESS_TOKEN_FILE";
    return Effect.succeed(
      readText(tokenFile, source).pipe(
        Effect.map((text) => text.trim()),
        Effect.filterOrFail(
          (token) => token !== "",
          () => unavailable(source, `${tokenFile} is empty`),
        ),
      ),
    );
  }
  const explicit = env["GOOGLE_APPLICATION_CREDENTIALS"];
  if (explicit) return fromCredentialsFile(explicit, "env GOOGLE_APPLICATION_CREDENTIALS");
  const wellKnown = join(
    env["CLOUDSDK_CONFIG"] || join(env["HOME"] || homedir(), ".config", "gcloud"),
    "application_default_credentials.json",
  );
  if (existsSync(wellKnown)) return fromCredentialsFile(wellKnown, wellKnown);
  return Effect.succeed(fromMetadataServer(env));
};
