/**
 * A loopback emulator of the parts of the Vault/OpenBao HTTP API that the KMS signer uses: transit
 * key read and sign, and JWT auth login. Keys are real (node:crypto), tokens are checked on every
 * request, and errors have Vault's `{"errors":[…]}` shape and status codes.
 */
import { constants, createHash, generateKeyPairSync, privateEncrypt, randomBytes, randomUUID, type KeyObject } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

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

interface Curve {
  readonly p: bigint;
  readonly n: bigint;
  readonly gx: bigint;
  readonly gy: bigint;
  readonly bytes: number;
}
/** NIST curves (FIPS 186-4 D.1.2); a = p - 3 for both. */
const curves: Readonly<Record<string, Curve>> = {
  "P-256": {
    p: 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn,
    n: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
    gx: 0x6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296n,
    gy: 0x4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5n,
    bytes: 32,
  },
  "P-384": {
    p: 0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000ffffffffn,
    n: 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n,
    gx: 0xaa87ca22be8b05378eb1c71ef320ad746e1d3b628ba79b9859f741e082542a385502f25dbf55296c3a545e3872760ab7n,
    gy: 0x3617de4a96262c6f5d9e98bf9292dc29f8f41dbd289a147ce9da3113b5f0b8c00a60b1ce1d7e819d7a431d7c90ea0e5fn,
    bytes: 48,
  },
};
type Point = { readonly x: bigint; readonly y: bigint } | undefined;

const mod = (value: bigint, m: bigint) => ((value % m) + m) % m;
const invert = (value: bigint, m: bigint): bigint => {
  let [a, b, x, y] = [mod(value, m), m, 1n, 0n];
  while (b !== 0n) {
    const q = a / b;
    [a, b, x, y] = [b, a - q * b, y, x - q * y];
  }
  return mod(x, m);
};
const add = (curve: Curve, P: Point, Q: Point): Point => {
  if (P === undefined) return Q;
  if (Q === undefined) return P;
  const { p } = curve;
  if (P.x === Q.x && mod(P.y + Q.y, p) === 0n) return undefined;
  const slope =
    P.x === Q.x ? mod((3n * P.x * P.x + (p - 3n)) * invert(2n * P.y, p), p) : mod((Q.y - P.y) * invert(Q.x - P.x, p), p);
  const x = mod(slope * slope - P.x - Q.x, p);
  return { x, y: mod(slope * (P.x - x) - P.y, p) };
};
const multiply = (curve: Curve, k: bigint, P: Point): Point => {
  let result: Point = undefined;
  for (let addend = P; k > 0n; k >>= 1n, addend = add(curve, addend, addend)) {
    if (k & 1n) result = add(curve, result, addend);
  }
  return result;
};
const toBigInt = (bytes: Uint8Array) => BigInt(`0x${Buffer.from(bytes).toString("hex") || "0"}`);
const derInteger = (value: bigint) => {
  let hex = value.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  if (Number.parseInt(hex.slice(0, 2), 16) >= 0x80) hex = `00${hex}`;
  const bytes = Buffer.from(hex, "hex");
  return Buffer.concat([Buffer.of(0x02, bytes.length), bytes]);
};

const digestInfoPrefix: Readonly<Record<string, Buffer>> = {
  sha256: Buffer.from("3031300d060960864801650304020105000420", "hex"),
  sha384: Buffer.from("3041300d060960864801650304020205000430", "hex"),
};

/**
 * Signs an already computed digest, which node:crypto cannot do for ECDSA, as KMS services do:
 * ECDSA P-256/P-384 (ASN.1 DER, per FIPS 186-4 with a random nonce) or RSA PKCS#1 v1.5 (DigestInfo).
 * Shared by the Vault and Cloud KMS emulators.
 */
export const signDigest = (privateKey: KeyObject, digest: Uint8Array, hash: "sha256" | "sha384" = "sha256"): Buffer => {
  if (privateKey.asymmetricKeyType === "rsa") {
    const prefix = digestInfoPrefix[hash];
    if (prefix === undefined) throw new Error(`no DigestInfo for ${hash}`);
    return privateEncrypt({ key: privateKey, padding: constants.RSA_PKCS1_PADDING }, Buffer.concat([prefix, digest]));
  }
  const jwk = privateKey.export({ format: "jwk" });
  const curve = curves[jwk.crv ?? ""];
  if (curve === undefined || jwk.d === undefined) throw new Error("signDigest supports ECDSA P-256/P-384 and RSA only");
  const d = toBigInt(Buffer.from(jwk.d, "base64url"));
  const { n, gx, gy } = curve;
  // FIPS 186-4: the leftmost bits of the digest, as many as the order has.
  const z = toBigInt(digest.subarray(0, curve.bytes));
  for (;;) {
    const k = mod(toBigInt(randomBytes(curve.bytes + 8)), n - 1n) + 1n;
    const point = multiply(curve, k, { x: gx, y: gy });
    if (point === undefined) continue;
    const r = mod(point.x, n);
    const s = mod(invert(k, n) * (z + r * d), n);
    if (r === 0n || s === 0n) continue;
    const body = Buffer.concat([derInteger(r), derInteger(s)]);
    return Buffer.concat([Buffer.of(0x30, body.length), body]);
  }
};

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
