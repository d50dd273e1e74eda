/**
 * A loopback emulator of the parts of the Vault/OpenBao HTTP API that the KMS signer uses: transit
 * key read and sign, and JWT auth login. Keys are real (node:crypto), tokens are checked on every
 * request, and errors have Vault's `{"errors":[…]}` shape and status codes.
 */
import { createHash, generateKeyPairSync, randomBytes, randomUUID, type KeyObject } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { signDigest } from "./sign-digest.ts";

export type TransitKeyType = "ecdsa-p256" | "rsa-2048";

export interface RecordedVaultRequest {
  readonly method: string;
  readonly path: string;
  readonly token: string | undefined;
  readonly namespace: string | undefined;
  readonly body: unknown;
}

export interface VaultTransitEmulator {
  /** `http://127.0.0.1:<port>` */
  readonly address: string;
  readonly requests: ReadonlyArray<RecordedVaultRequest>;
  /** A token that may use every transit key. */
  issueToken(): string;
  /** A valid token whose policy grants nothing (Vault answers 403, as for an unknown token). */
  issueTokenWithoutAccess(): string;
  /** Creates a key, or adds a version to an existing one; returns the new version's SPKI PEM. */
  createKey(name: string, type?: TransitKeyType): string;
  /** Lets `jwt` log in as `role` at `auth/<path>/login`; the login issues a token with access. */
  allowJwtLogin(path: string, role: string, jwt: string, leaseSeconds?: number): void;
  /** How many tokens JWT logins issued. */
  readonly loginCount: number;
  close(): Promise<void>;
}

interface TransitKey {
  readonly type: TransitKeyType;
  readonly versions: Array<{ readonly privateKey: KeyObject; readonly publicKeyPem: string; readonly created: string }>;
}

const hashLengths: Readonly<Record<string, { readonly node: "sha256" | "sha384"; readonly bytes: number }>> = {
  "sha2-256": { node: "sha256", bytes: 32 },
  "sha2-384": { node: "sha384", bytes: 48 },
};

const generate = (type: TransitKeyType) =>
  type === "ecdsa-p256"
    ? generateKeyPairSync("ec", { namedCurve: "P-256" })
    : generateKeyPairSync("rsa", { modulusLength: 2048 });

const readBody = async (request: IncomingMessage): Promise<unknown> => {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  if (text === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return Symbol.for("invalid-json");
  }
};

const field = (body: unknown, name: string): unknown =>
  typeof body === "object" && body !== null ? (body as Record<string, unknown>)[name] : undefined;

export const startVaultTransitEmulator = async (options: { readonly mount?: string } = {}): Promise<VaultTransitEmulator> => {
  const mount = options.mount ?? "transit";
  const keys = new Map<string, TransitKey>();
  const tokens = new Map<string, { readonly access: boolean }>();
  const jwtRoles = new Map<string, { readonly jwt: string; readonly lease: number }>();
  const requests: RecordedVaultRequest[] = [];
  let loginCount = 0;

  const newToken = (access: boolean) => {
    const token = `hvs.${randomBytes(18).toString("base64url")}`;
    tokens.set(token, { access });
    return token;
  };

  const reply = (response: ServerResponse, status: number, body: unknown) => {
    response.writeHead(status, { "content-type": "application/json" });
    response.end(JSON.stringify(body));
  };
  const errors = (response: ServerResponse, status: number, ...messages: string[]) => reply(response, status, { errors: messages });
  const envelope = (data: unknown, auth: unknown = null) => ({
    request_id: randomUUID(),
    lease_id: "",
    renewable: false,
    lease_duration: 0,
    data,
    wrap_info: null,
    warnings: null,
    auth,
  });

  const login = (response: ServerResponse, path: string, body: unknown) => {
    const role = field(body, "role");
    const jwt = field(body, "jwt");
    const allowed = typeof role === "string" ? jwtRoles.get(`${path}\u0000${role}`) : undefined;
    if (typeof role !== "string" || role === "") return errors(response, 400, "missing role");
    if (typeof jwt !== "string" || jwt === "") return errors(response, 400, "missing token");
    if (allowed === undefined) return errors(response, 400, `role "${role}" could not be found`);
    if (allowed.jwt !== jwt) return errors(response, 400, "error validating token: invalid audience (aud) claim");
    loginCount += 1;
    const token = newToken(true);
    reply(response, 200, {
      ...envelope(null, {
        client_token: token,
        accessor: randomBytes(12).toString("base64url"),
        policies: ["default", "chains"],
        token_policies: ["default", "chains"],
        metadata: { role },
        lease_duration: allowed.lease,
        renewable: true,
        entity_id: randomUUID(),
        token_type: "service",
        orphan: true,
      }),
    });
  };

  const readKey = (response: ServerResponse, name: string) => {
    const key = keys.get(name);
    if (key === undefined) return errors(response, 404);
    reply(
      response,
      200,
      envelope({
        name,
        type: key.type,
        latest_version: key.versions.length,
        min_available_version: 0,
        min_decryption_version: 1,
        min_encryption_version: 0,
        deletion_allowed: false,
        derived: false,
        exportable: false,
        supports_signing: true,
        supports_encryption: false,
        supports_decryption: false,
        supports_derivation: false,
        keys: Object.fromEntries(
          key.versions.map((version, index) => [
            String(index + 1),
            { creation_time: version.created, name: key.type === "ecdsa-p256" ? "P-256" : "rsa-2048", public_key: version.publicKeyPem },
          ]),
        ),
      }),
    );
  };

  const sign = (response: ServerResponse, name: string, pathHash: string | undefined, body: unknown) => {
    const key = keys.get(name);
    if (key === undefined) return errors(response, 400, "signing key not found");
    const hashName = pathHash ?? field(body, "hash_algorithm") ?? "sha2-256";
    const hash = typeof hashName === "string" ? hashLengths[hashName] : undefined;
    if (hash === undefined) return errors(response, 400, `unsupported hash algorithm ${String(hashName)}`);
    const input = field(body, "input");
    if (typeof input !== "string" || !/^[A-Za-z0-9+/]*={0,2}$/.test(input)) {
      return errors(response, 400, "unable to decode input as base64: illegal base64 data");
    }
    const prehashed = field(body, "prehashed") === true;
    const bytes = Buffer.from(input, "base64");
    const digest = prehashed ? bytes : createHash(hash.node).update(bytes).digest();
    if (digest.length !== hash.bytes) return errors(response, 400, "the prehashed input does not match the hash algorithm");
    const requested = field(body, "key_version");
    const version = requested === undefined || requested === 0 || requested === "" ? key.versions.length : Number(requested);
    const material = key.versions[version - 1];
    if (material === undefined) return errors(response, 400, "requested version for signing does not exist");
    const signatureAlgorithm = field(body, "signature_algorithm") ?? "pss";
    if (key.type.startsWith("rsa") && signatureAlgorithm !== "pkcs1v15") {
      return errors(response, 400, "the emulator signs RSA with pkcs1v15 only");
    }
    const signature = signDigest(material.privateKey, digest, hash.node);
    reply(response, 200, envelope({ key_version: version, signature: `vault:v${version}:${signature.toString("base64")}` }));
  };

  const keyPath = new RegExp(`^/v1/${mount}/keys/([^/]+)$`);
  const signPath = new RegExp(`^/v1/${mount}/sign/([^/]+)(?:/([^/]+))?$`);
  const loginPath = /^\/v1\/auth\/(.+)\/login$/;

  const server = createServer((request, response) => {
    void (async () => {
      const body = await readBody(request);
      const path = decodeURIComponent(new URL(request.url ?? "/", "http://emulator").pathname);
      const tokenHeader = request.headers["x-vault-token"];
      const token = typeof tokenHeader === "string" ? tokenHeader : undefined;
      const namespaceHeader = request.headers["x-vault-namespace"];
      const namespace = typeof namespaceHeader === "string" ? namespaceHeader : undefined;
      requests.push({ method: request.method ?? "", path, token, namespace, body });
      if (body === Symbol.for("invalid-json")) return errors(response, 400, "failed to parse JSON input");

      const loginMatch = loginPath.exec(path);
      if (loginMatch?.[1] !== undefined && request.method === "POST") {
        const known = [...jwtRoles.keys()].some((entry) => entry.startsWith(`${loginMatch[1]}\u0000`));
        if (!known) return errors(response, 404, `no handler for route "auth/${loginMatch[1]}/login". route entry not found.`);
        return login(response, loginMatch[1], body);
      }
      if (token === undefined || tokens.get(token)?.access !== true) return errors(response, 403, "permission denied");
      const keyMatch = keyPath.exec(path);
      if (keyMatch?.[1] !== undefined && request.method === "GET") return readKey(response, keyMatch[1]);
      const signMatch = signPath.exec(path);
      if (signMatch?.[1] !== undefined && (request.method === "POST" || request.method === "PUT")) {
        return sign(response, signMatch[1], signMatch[2], body);
      }
      errors(response, 404, `no handler for route "${path.slice(4)}". route entry not found.`);
    })().catch((error: unknown) => errors(response, 500, String(error)));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    address: `http://127.0.0.1:${port}`,
    requests,
    issueToken: () => newToken(true),
    issueTokenWithoutAccess: () => newToken(false),
    createKey: (name, type = "ecdsa-p256") => {
      const existing = keys.get(name);
      const key = existing ?? { type, versions: [] };
      const pair = generate(key.type);
      const publicKeyPem = pair.publicKey.export({ type: "spki", format: "pem" }).toString();
      key.versions.push({ privateKey: pair.privateKey, publicKeyPem, created: new Date().toISOString() });
      keys.set(name, key);
      return publicKeyPem;
    },
    allowJwtLogin: (path, role, jwt, leaseSeconds = 3600) => {
      jwtRoles.set(`${path}\u0000${role}`, { jwt, lease: leaseSeconds });
    },
    get loginCount() {
      return loginCount;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
};
