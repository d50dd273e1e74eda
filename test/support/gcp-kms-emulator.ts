/**
 * A loopback emulator of what the Cloud KMS signer talks to: the Cloud KMS v1 REST API
 * (list key versions, getPublicKey, asymmetricSign), the GCE metadata server's token endpoint and
 * the OAuth 2.0 token endpoint (service-account JWT bearer and refresh-token grants). Keys are real
 * (node:crypto); bearer tokens are checked on every KMS request; errors have Google's
 * `{"error":{"code","message","status"}}` shape.
 */
import { createHash, generateKeyPairSync, randomBytes, sign, verify, type KeyObject } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { signDigest } from "./sign-digest.ts";

export type GcpSigningAlgorithm =
  | "EC_SIGN_P256_SHA256"
  | "EC_SIGN_P384_SHA384"
  | "EC_SIGN_ED25519"
  | "RSA_SIGN_PKCS1_2048_SHA256"
  | "RSA_DECRYPT_OAEP_2048_SHA256";

/** What `asymmetricSign` takes per algorithm: a digest of the given hash, or (Ed25519) the data. */
const signInputs: Readonly<Record<GcpSigningAlgorithm, "sha256" | "sha384" | "data" | undefined>> = {
  EC_SIGN_P256_SHA256: "sha256",
  EC_SIGN_P384_SHA384: "sha384",
  EC_SIGN_ED25519: "data",
  RSA_SIGN_PKCS1_2048_SHA256: "sha256",
  RSA_DECRYPT_OAEP_2048_SHA256: undefined,
};

const generate = (algorithm: GcpSigningAlgorithm) => {
  switch (algorithm) {
    case "EC_SIGN_P256_SHA256":
      return generateKeyPairSync("ec", { namedCurve: "P-256" });
    case "EC_SIGN_P384_SHA384":
      return generateKeyPairSync("ec", { namedCurve: "P-384" });
    case "EC_SIGN_ED25519":
      return generateKeyPairSync("ed25519");
    default:
      return generateKeyPairSync("rsa", { modulusLength: 2048 });
  }
};

export interface RecordedGcpRequest {
  readonly method: string;
  readonly path: string;
  readonly authorization: string | undefined;
  readonly body: unknown;
}

export interface GcpKmsEmulator {
  /** Cloud KMS API base, `http://127.0.0.1:<port>/` (the value of CLOUDSDK_API_ENDPOINT_OVERRIDES_CLOUDKMS). */
  readonly endpoint: string;
  /** `127.0.0.1:<port>`, the value of GCE_METADATA_HOST. */
  readonly metadataHost: string;
  /** OAuth token endpoint for credentials files (`token_uri`). */
  readonly tokenUri: string;
  readonly requests: ReadonlyArray<RecordedGcpRequest>;
  /** An access token that may use every key. */
  issueToken(): string;
  /** A valid access token whose identity lacks cloudkms permissions (403). */
  issueTokenWithoutAccess(): string;
  /** Adds a key version (creating the key); returns its full name and SPKI PEM public key. */
  createKeyVersion(cryptoKey: string, algorithm?: GcpSigningAlgorithm): { readonly name: string; readonly publicKeyPem: string };
  disableKeyVersion(name: string): void;
  /** A `service_account` credentials file whose JWT assertions the token endpoint accepts. */
  serviceAccountCredentials(): string;
  /** An `authorized_user` credentials file (gcloud ADC) whose refresh token the endpoint accepts. */
  authorizedUserCredentials(): string;
  /** How many access tokens the metadata server and the token endpoint handed out. */
  readonly tokensIssued: number;
  close(): Promise<void>;
}

interface KeyVersion {
  readonly algorithm: GcpSigningAlgorithm;
  readonly privateKey: KeyObject;
  readonly publicKeyPem: string;
  enabled: boolean;
}

const readBody = async (request: IncomingMessage): Promise<string> => {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
};

const parseJson = (text: string): unknown => {
  try {
    return text === "" ? undefined : JSON.parse(text);
  } catch {
    return undefined;
  }
};

const record = (value: unknown): Record<string, unknown> =>
  typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {};

/** CRC32C (Castagnoli), which Cloud KMS returns alongside public keys and signatures. */
const crc32c = (bytes: Uint8Array): string => {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit += 1) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return String((crc ^ 0xffffffff) >>> 0);
};

const statusNames: Readonly<Record<number, string>> = {
  400: "INVALID_ARGUMENT",
  401: "UNAUTHENTICATED",
  403: "PERMISSION_DENIED",
  404: "NOT_FOUND",
  405: "METHOD_NOT_ALLOWED",
};

export const startGcpKmsEmulator = async (): Promise<GcpKmsEmulator> => {
  const versions = new Map<string, KeyVersion>();
  const tokens = new Map<string, { readonly access: boolean }>();
  const requests: RecordedGcpRequest[] = [];
  const serviceAccounts = new Map<string, KeyObject>();
  const refreshTokens = new Set<string>();
  let tokensIssued = 0;
  let address = "";

  const newToken = (access: boolean) => {
    const token = `ya29.${randomBytes(24).toString("base64url")}`;
    tokens.set(token, { access });
    return token;
  };
  const grant = () => {
    tokensIssued += 1;
    return { access_token: newToken(true), expires_in: 3599, token_type: "Bearer" };
  };

  const reply = (response: ServerResponse, status: number, body: unknown) => {
    response.writeHead(status, { "content-type": "application/json; charset=UTF-8" });
    response.end(JSON.stringify(body));
  };
  const googleError = (response: ServerResponse, code: number, message: string) =>
    reply(response, code, { error: { code, message, status: statusNames[code] ?? "UNKNOWN" } });
  const oauthError = (response: ServerResponse, error: string, description: string) =>
    reply(response, 400, { error, error_description: description });

  const tokenEndpoint = (response: ServerResponse, text: string) => {
    const form = new URLSearchParams(text);
    const grantType = form.get("grant_type");
    if (grantType === "refresh_token") {
      return refreshTokens.has(form.get("refresh_token") ?? "")
        ? reply(response, 200, { ...grant(), scope: "https://www.googleapis.com/auth/cloud-platform" })
        : oauthError(response, "invalid_grant", "Token has been expired or revoked.");
    }
    if (grantType !== "urn:ietf:params:oauth:grant-type:jwt-bearer") {
      return oauthError(response, "unsupported_grant_type", `Invalid grant_type: ${grantType ?? ""}`);
    }
    const [header, claims, signature] = (form.get("assertion") ?? "").split(".");
    if (header === undefined || claims === undefined || signature === undefined) {
      return oauthError(response, "invalid_grant", "Invalid JWT: Token must be a short-lived token and in a reasonable timeframe");
    }
    const payload = record(parseJson(Buffer.from(claims, "base64url").toString("utf8")));
    const key = typeof payload["iss"] === "string" ? serviceAccounts.get(payload["iss"]) : undefined;
    const signed = Buffer.from(`${header}.${claims}`);
    if (key === undefined || !verify("sha256", signed, key, Buffer.from(signature, "base64url"))) {
      return oauthError(response, "invalid_grant", "Invalid JWT Signature.");
    }
    const now = Date.now() / 1000;
    const exp = Number(payload["exp"]);
    if (payload["aud"] !== `${address}/token` || !(exp > now && exp - Number(payload["iat"]) <= 3600)) {
      return oauthError(response, "invalid_grant", "Invalid JWT: Token must be a short-lived token and in a reasonable timeframe");
    }
    if (typeof payload["scope"] !== "string" || payload["scope"] === "") {
      return oauthError(response, "invalid_scope", "Invalid OAuth scope or ID token audience provided.");
    }
    reply(response, 200, grant());
  };

  const versionPath = /^\/v1\/(projects\/[^/]+\/locations\/[^/]+\/keyRings\/[^/]+\/cryptoKeys\/[^/]+\/cryptoKeyVersions\/[^/:]+)(\/publicKey|:asymmetricSign)$/;
  const listPath = /^\/v1\/(projects\/[^/]+\/locations\/[^/]+\/keyRings\/[^/]+\/cryptoKeys\/[^/]+)\/cryptoKeyVersions$/;

  const kms = (response: ServerResponse, method: string, url: URL, body: unknown) => {
    const listMatch = listPath.exec(url.pathname);
    if (listMatch?.[1] !== undefined && method === "GET") {
      const parent = listMatch[1];
      const filter = url.searchParams.get("filter");
      if (filter !== null && filter !== "state=ENABLED") return googleError(response, 400, `Invalid filter: ${filter}`);
      const all = [...versions.entries()]
        .filter(([name, version]) => name.startsWith(`${parent}/`) && (filter === null || version.enabled))
        .map(([name, version]) => ({ name, state: version.enabled ? "ENABLED" : "DISABLED", algorithm: version.algorithm }));
      // One version per page so clients must follow nextPageToken.
      const start = Number(url.searchParams.get("pageToken") ?? "0");
      const page = all.slice(start, start + 1);
      return reply(response, 200, {
        ...(page.length > 0 ? { cryptoKeyVersions: page } : {}),
        ...(start + 1 < all.length ? { nextPageToken: String(start + 1) } : {}),
        totalSize: all.length,
      });
    }
    const match = versionPath.exec(url.pathname);
    const name = match?.[1];
    if (name === undefined) return googleError(response, 404, `Method not found: ${url.pathname}`);
    const version = versions.get(name);
    if (version === undefined) return googleError(response, 404, `${name} not found.`);
    if (!version.enabled) return googleError(response, 400, `${name} is not enabled, current state is: DISABLED.`);
    if (match?.[2] === "/publicKey" && method === "GET") {
      return reply(response, 200, {
        pem: version.publicKeyPem,
        algorithm: version.algorithm,
        pemCrc32c: crc32c(Buffer.from(version.publicKeyPem)),
        name,
        protectionLevel: "SOFTWARE",
      });
    }
    if (match?.[2] === ":asymmetricSign" && method === "POST") {
      const input = signInputs[version.algorithm];
      if (input === undefined) {
        return googleError(response, 400, `${name} has purpose ASYMMETRIC_DECRYPT; required ASYMMETRIC_SIGN.`);
      }
      const given = input === "data" ? record(body)["data"] : record(record(body)["digest"])[input];
      const bytes = typeof given === "string" ? Buffer.from(given, "base64") : undefined;
      if (bytes === undefined || (input !== "data" && bytes.length !== (input === "sha256" ? 32 : 48))) {
        return googleError(
          response,
          400,
          input === "data"
            ? `Algorithm ${version.algorithm} requires the data field.`
            : `The request digest must be a ${input.toUpperCase()} digest for algorithm ${version.algorithm}.`,
        );
      }
      const signature = input === "data" ? sign(null, bytes, version.privateKey) : signDigest(version.privateKey, bytes, input);
      return reply(response, 200, {
        signature: signature.toString("base64"),
        signatureCrc32c: crc32c(signature),
        verifiedDigestCrc32c: false,
        name,
        verifiedDataCrc32c: false,
        protectionLevel: "SOFTWARE",
      });
    }
    googleError(response, 405, `Method not allowed: ${method} ${url.pathname}`);
  };

  const server = createServer((request, response) => {
    void (async () => {
      const text = await readBody(request);
      const url = new URL(request.url ?? "/", "http://emulator");
      const authorization = request.headers.authorization;
      const method = request.method ?? "";
      requests.push({ method, path: url.pathname, authorization, body: parseJson(text) ?? text });

      if (url.pathname === "/computeMetadata/v1/instance/service-accounts/default/token") {
        if (request.headers["metadata-flavor"] !== "Google") {
          response.writeHead(403, { "content-type": "text/html; charset=UTF-8" });
          return response.end("Missing required header: Metadata-Flavor");
        }
        return reply(response, 200, grant());
      }
      if (url.pathname === "/token" && method === "POST") return tokenEndpoint(response, text);
      if (!url.pathname.startsWith("/v1/")) return googleError(response, 404, `Not found: ${url.pathname}`);
      const token = /^Bearer (\S+)$/.exec(authorization ?? "")?.[1];
      const grantFor = token === undefined ? undefined : tokens.get(token);
      if (grantFor === undefined) {
        return googleError(
          response,
          401,
          "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.",
        );
      }
      if (!grantFor.access) {
        return googleError(response, 403, `Permission 'cloudkms.cryptoKeyVersions.viewPublicKey' denied on resource '${url.pathname.slice(4)}' (or it may not exist).`);
      }
      kms(response, method, url, parseJson(text));
    })().catch((error: unknown) => googleError(response, 500, String(error)));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  address = `http://127.0.0.1:${port}`;

  return {
    endpoint: `${address}/`,
    metadataHost: `127.0.0.1:${port}`,
    tokenUri: `${address}/token`,
    requests,
    issueToken: () => newToken(true),
    issueTokenWithoutAccess: () => newToken(false),
    createKeyVersion: (cryptoKey, algorithm = "EC_SIGN_P256_SHA256") => {
      const number = [...versions.keys()].filter((name) => name.startsWith(`${cryptoKey}/`)).length + 1;
      const name = `${cryptoKey}/cryptoKeyVersions/${number}`;
      const pair = generate(algorithm);
      const publicKeyPem = pair.publicKey.export({ type: "spki", format: "pem" }).toString();
      versions.set(name, { algorithm, privateKey: pair.privateKey, publicKeyPem, enabled: true });
      return { name, publicKeyPem };
    },
    disableKeyVersion: (name) => {
      const version = versions.get(name);
      if (version !== undefined) version.enabled = false;
    },
    serviceAccountCredentials: () => {
      const pair = generateKeyPairSync("rsa", { modulusLength: 2048 });
      const email = `chains-${randomBytes(4).toString("hex")}@example-project.iam.gserviceaccount.com`;
      serviceAccounts.set(email, pair.publicKey);
      return JSON.stringify({
        type: "service_account",
        project_id: "example-project",
        private_key_id: createHash("sha1").update(email).digest("hex"),
        private_key: pair.privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
        client_email: email,
        client_id: "1234567890",
        auth_uri: "https://accounts.google.com/o/oauth2/auth",
        token_uri: `${address}/token`,
      });
    },
    authorizedUserCredentials: () => {
      const refreshToken = `1//${randomBytes(24).toString("base64url")}`;
      refreshTokens.add(refreshToken);
      return JSON.stringify({
        type: "authorized_user",
        client_id: "emulator-client.apps.googleusercontent.com",
        client_secret: "emulator-client-secret",
        refresh_token: refreshToken,
        token_uri: `${address}/token`,
      });
    },
    get tokensIssued() {
      return tokensIssued;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
};
