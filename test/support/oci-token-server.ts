import { createPrivateKey, randomUUID, sign, X509Certificate, type KeyObject } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { selfSignedEcCertificate } from "./self-signed-certificate.ts";

/**
 * A loopback Docker token server (the `auth.token` protocol of distribution): checks Basic
 * credentials, answers `GET /token?service=…&scope=…` with an ES256 JWT whose `x5c` header holds
 * a self-signed certificate made with openssl. docker-registry trusts that certificate through
 * `rootcertbundle`, so the registry itself validates every token.
 */

export interface TokenRequest {
  readonly scopes: ReadonlyArray<string>;
  readonly service: string | null;
  /** The user that authenticated with Basic, or undefined for an anonymous request. */
  readonly user: string | undefined;
}

export interface RunningTokenServer {
  readonly realm: string;
  readonly service: string;
  readonly issuer: string;
  readonly rootCertPem: string;
  /** Every token request, in order. */
  readonly requests: ReadonlyArray<TokenRequest>;
  readonly stop: () => Promise<void>;
}

export const startTokenServer = async (options: {
  readonly username: string;
  readonly password: string;
  readonly expiresInSeconds?: number;
}): Promise<RunningTokenServer> => {
  const { keyPem, certPem } = selfSignedEcCertificate("/CN=chains-ts test token issuer");
  const key = createPrivateKey(keyPem);
  const certDer = new X509Certificate(certPem).raw.toString("base64");
  const service = "chains-ts-test-registry";
  const issuer = "chains-ts-test-token-issuer";
  const requests: TokenRequest[] = [];
  const expiresIn = options.expiresInSeconds ?? 300;

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    if (url.pathname !== "/token") return reply(res, 404, { error: "not found" });
    const user = basicUser(req.headers.authorization);
    const scopes = url.searchParams.getAll("scope");
    requests.push({ scopes, service: url.searchParams.get("service"), user: user?.name });
    if (user !== undefined && (user.name !== options.username || user.password !== options.password)) {
      return reply(res, 401, { errors: [{ code: "UNAUTHORIZED", message: "bad credentials" }] });
    }
    // Anonymous callers get a token without access, as public registries do for private repos.
    const access = user === undefined ? [] : scopes.map(parseScope).filter((a) => a !== undefined);
    const now = Math.floor(Date.now() / 1000);
    const token = jwt(key, certDer, {
      iss: issuer,
      sub: user?.name ?? "",
      aud: service,
      exp: now + expiresIn,
      nbf: now - 10,
      iat: now,
      jti: randomUUID(),
      access,
    });
    reply(res, 200, { token, access_token: token, expires_in: expiresIn, issued_at: new Date(now * 1000).toISOString() });
  };

  const server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  return {
    realm: `http://127.0.0.1:${port}/token`,
    service,
    issuer,
    rootCertPem: certPem,
    requests,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};

const jwt = (key: KeyObject, certDer: string, claims: object): string => {
  const header = base64url(JSON.stringify({ typ: "JWT", alg: "ES256", x5c: [certDer] }));
  const payload = base64url(JSON.stringify(claims));
  const signature = sign("sha256", Buffer.from(`${header}.${payload}`), { key, dsaEncoding: "ieee-p1363" });
  return `${header}.${payload}.${signature.toString("base64url")}`;
};

const base64url = (text: string): string => Buffer.from(text).toString("base64url");

/** `repository:<name>:<actions>` → a JWT access entry granting all requested actions. */
const parseScope = (scope: string) => {
  const m = /^(repository):(.+):([a-z,*]+)$/.exec(scope);
  return m === null ? undefined : { type: m[1], name: m[2], actions: (m[3] ?? "").split(",") };
};

const basicUser = (header: string | undefined): { name: string; password: string } | undefined => {
  if (header === undefined || !header.startsWith("Basic ")) return undefined;
  const decoded = Buffer.from(header.slice(6), "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  return colon < 0 ? undefined : { name: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
};

const reply = (res: ServerResponse, status: number, body: object) => {
  res.writeHead(status, { "Content-Type": "application/json" });
  res.end(JSON.stringify(body));
};
