import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Effect, Redacted, Result } from "effect";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { fetchIdentityToken } from "../../src/adapters/signing/fulcio/identity-token-source.ts";
import type { KeylessContext } from "../../src/adapters/signing/fulcio/keyless-context.ts";
import { tokenProviders } from "../../src/adapters/signing/fulcio/token-providers.ts";
import type { ChainsConfig } from "../../src/domain/config/chains-config.ts";
import { parseChainsConfig } from "../../src/domain/config/parse-chains-config.ts";
import { unsignedJwt } from "./keyless-fixtures.ts";

const now = new Date("2026-01-01T00:00:00Z");
const seconds = now.getTime() / 1000;
const token = (claims: Record<string, unknown> = {}) => unsignedJwt({ sub: "someone", aud: "sigstore", exp: seconds + 600, ...claims });

const x509 = (data: Record<string, string> = {}): ChainsConfig["signers"]["x509"] =>
  Result.getOrThrow(parseChainsConfig({ "signers.x509.fulcio.enabled": "true", "transparency.enabled": "true", ...data })).config.signers.x509;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "chains-token-providers-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const context = (overrides: Partial<KeylessContext> = {}): KeylessContext => ({
  clock: { now: () => now },
  trustedRoot: Effect.die("not used"),
  env: {},
  filesystemTokenPath: join(dir, "absent-oidc-token"),
  gceProductNamePath: join(dir, "absent-product-name"),
  ...overrides,
});

const fileWith = (name: string, content: string): string => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};

const obtain = (config: ChainsConfig["signers"]["x509"], ctx: KeylessContext) => Effect.runPromise(fetchIdentityToken(config, ctx));
const refusal = (config: ChainsConfig["signers"]["x509"], ctx: KeylessContext) => Effect.runPromise(Effect.flip(fetchIdentityToken(config, ctx)));

interface Seen {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage["headers"];
  readonly body: string;
}

/** A loopback token endpoint that records each request and answers with `answer`. */
const tokenEndpoint = async (answer: (seen: Seen) => { status: number; body: string; headers?: Record<string, string> }) => {
  const seen: Array<Seen> = [];
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString()));
    req.on("end", () => {
      const request = { method: req.method ?? "", url: req.url ?? "", headers: req.headers, body };
      seen.push(request);
      const reply = answer(request);
      res.writeHead(reply.status, reply.headers ?? {});
      res.end(reply.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    host: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
};

let endpoint: Awaited<ReturnType<typeof tokenEndpoint>> | undefined;
afterEach(async () => {
  await endpoint?.close();
  endpoint = undefined;
});

describe("identity token providers", () => {
  it("filesystem reads the projected token, trimmed, and signs proof of possession over its subject", async () => {
    const jwt = token({ sub: "system:serviceaccount:tekton-chains:controller" });
    const got = await obtain(x509(), context({ filesystemTokenPath: fileWith("oidc-token", `${jwt}\n`) }));
    expect(Redacted.value(got.token)).toBe(jwt);
    expect(got.challenge).toBe("system:serviceaccount:tekton-chains:controller");
    expect(got.expiresAt).toEqual(new Date((seconds + 600) * 1000));
  });

  it("uses the email claim as the challenge when the token has one", async () => {
    const got = await obtain(x509(), context({ env: { SIGSTORE_ID_TOKEN: token({ email: "ci@example.com" }) } }));
    expect(got.challenge).toBe("ci@example.com");
  });

  it("identity.token.file forces the filesystem-custom-path provider, even when the default file exists", async () => {
    const custom = token({ sub: "custom" });
    const got = await obtain(
      x509({ "signers.x509.identity.token.file": fileWith("custom-token", custom) }),
      context({ filesystemTokenPath: fileWith("oidc-token-2", token({ sub: "default" })) }),
    );
    expect(got.challenge).toBe("custom");
  });

  it("names the file and says what is wrong with an expired, empty, foreign-audience or garbage token", async () => {
    const cases: ReadonlyArray<readonly [string, RegExp]> = [
      [token({ exp: seconds - 1 }), /expired at 2025-12-31T23:59:59.000Z/],
      ["", /empty/],
      [token({ aud: ["kubernetes"] }), /audience is \["kubernetes"\]; Fulcio needs "sigstore"/],
      ["not-a-jwt", /not a JWT/],
      [unsignedJwt({ aud: "sigstore", exp: seconds + 60 }), /neither a sub nor an email/],
    ];
    for (const [content, reason] of cases) {
      const path = fileWith("bad-token", content);
      const error = await refusal(x509({ "signers.x509.identity.token.file": path }), context());
      expect(error).toMatchObject({ _tag: "SignerUnavailable", signer: "x509", source: path });
      expect(error.reason).toMatch(reason);
      if (content.includes(".")) expect(JSON.stringify(error)).not.toContain(content.split(".")[1]);
    }
  });

  it("names a missing token file", async () => {
    const path = join(dir, "never-written");
    const error = await refusal(x509({ "signers.x509.identity.token.file": path }), context());
    expect(error).toMatchObject({ source: path });
    expect(error.reason).toMatch(/ENOENT/);
  });

  it("says no provider is enabled, listing where it looked", async () => {
    const error = await refusal(x509(), context());
    expect(error.source).toBe("signers.x509.fulcio.provider");
    expect(error.reason).toMatch(/no auth provider for fulcio is enabled/);
    expect(error.reason).toContain(join(dir, "absent-oidc-token"));
    expect(error.reason).toContain("SIGSTORE_ID_TOKEN");
  });

  it("tries the enabled providers in turn: a bad projected token falls through to SIGSTORE_ID_TOKEN", async () => {
    const got = await obtain(
      x509(),
      context({ filesystemTokenPath: fileWith("stale-token", token({ exp: seconds - 10 })), env: { SIGSTORE_ID_TOKEN: token({ sub: "from-env" }) } }),
    );
    expect(got.challenge).toBe("from-env");
  });

  it("refuses an unknown provider name, listing the known ones", async () => {
    const error = await refusal(x509({ "signers.x509.fulcio.provider": "gitlab" }), context());
    expect(error.source).toBe("signers.x509.fulcio.provider");
    expect(error.reason).toMatch(/unknown token provider "gitlab".*filesystem.*github-actions/);
  });

  it("github-actions asks ACTIONS_ID_TOKEN_REQUEST_URL for audience sigstore with the request token; alias github", async () => {
    const jwt = token({ sub: "repo:org/app:ref:refs/heads/main" });
    endpoint = await tokenEndpoint(() => ({ status: 200, body: JSON.stringify({ value: jwt }) }));
    const env = { ACTIONS_ID_TOKEN_REQUEST_URL: `http://${endpoint.host}/token?api-version=2.0`, ACTIONS_ID_TOKEN_REQUEST_TOKEN: "request-secret" };
    for (const provider of ["github-actions", "github"]) {
      const got = await obtain(x509({ "signers.x509.fulcio.provider": provider }), context({ env }));
      expect(Redacted.value(got.token)).toBe(jwt);
    }
    expect(endpoint.seen).toHaveLength(2);
    const url = new URL(endpoint.seen[0]!.url, "http://x");
    expect(url.searchParams.get("audience")).toBe("sigstore");
    expect(url.searchParams.get("api-version")).toBe("2.0");
    expect(endpoint.seen[0]!.headers.authorization).toBe("bearer request-secret");
  });

  it("github-actions reports the endpoint's refusal without the request token", async () => {
    endpoint = await tokenEndpoint(() => ({ status: 403, body: "forbidden" }));
    const env = { ACTIONS_ID_TOKEN_REQUEST_URL: `http://${endpoint.host}/token?x=1`, ACTIONS_ID_TOKEN_REQUEST_TOKEN: "request-secret" };
    const error = await refusal(x509({ "signers.x509.fulcio.provider": "github-actions" }), context({ env }));
    expect(error.reason).toMatch(/HTTP 403: forbidden/);
    expect(JSON.stringify(error)).not.toContain("request-secret");
  });

  it("google-workload-identity asks the metadata server (GCE_METADATA_HOST) for an ID token; alias google", async () => {
    const jwt = token({ email: "chains@project.iam.gserviceaccount.com" });
    endpoint = await tokenEndpoint(() => ({ status: 200, body: jwt, headers: { "Metadata-Flavor": "Google" } }));
    const env = { GCE_METADATA_HOST: endpoint.host };
    const got = await obtain(x509({ "signers.x509.fulcio.provider": "google" }), context({ env }));
    expect(got.challenge).toBe("chains@project.iam.gserviceaccount.com");
    const request = endpoint.seen[0]!;
    expect(request.headers["metadata-flavor"]).toBe("Google");
    const url = new URL(request.url, "http://x");
    expect(url.pathname).toBe("/computeMetadata/v1/instance/service-accounts/default/identity");
    expect(url.searchParams.get("audience")).toBe("sigstore");
  });

  it("google-workload-identity is enabled on a GCE machine (DMI product name) or with GCE_METADATA_HOST, not elsewhere", () => {
    const google = tokenProviders.find((provider) => provider.name === "google-workload-identity")!;
    expect(google.enabled(context({ gceProductNamePath: fileWith("product_name", "Standard PC\n") }))).toBe(false);
    expect(google.enabled(context())).toBe(false);
    expect(google.enabled(context({ gceProductNamePath: fileWith("product_name", "Google Compute Engine\n") }))).toBe(true);
    expect(google.enabled(context({ gceProductNamePath: fileWith("product_name", "Google\n") }))).toBe(true);
    expect(google.enabled(context({ env: { GCE_METADATA_HOST: "127.0.0.1:1" } }))).toBe(true);
  });

  it("buildkite-agent asks the agent API for a job token with audience sigstore", async () => {
    const jwt = token({ sub: "organization:acme:pipeline:app" });
    endpoint = await tokenEndpoint(() => ({ status: 200, body: JSON.stringify({ token: jwt }) }));
    const env = { BUILDKITE_AGENT_ACCESS_TOKEN: "agent-secret", BUILDKITE_AGENT_ENDPOINT: `http://${endpoint.host}/v3`, BUILDKITE_JOB_ID: "job-1" };
    const got = await obtain(x509(), context({ env }));
    expect(Redacted.value(got.token)).toBe(jwt);
    const request = endpoint.seen[0]!;
    expect(request.method).toBe("POST");
    expect(request.url).toBe("/v3/jobs/job-1/oidc/tokens");
    expect(request.headers.authorization).toBe("Token agent-secret");
    expect(JSON.parse(request.body)).toEqual({ audience: "sigstore" });
  });

  it.each([
    ["google-impersonate", { GOOGLE_SERVICE_ACCOUNT_NAME: "sa@p.iam.gserviceaccount.com" }, /google-workload-identity/],
    ["spiffe", { SPIFFE_ENDPOINT_SOCKET: "/nonexistent" }, /signers\.x509\.identity\.token\.file/],
  ])("%s is refused with advice", async (provider, env, advice) => {
    const error = await refusal(x509({ "signers.x509.fulcio.provider": provider }), context({ env }));
    expect(error.reason).toMatch(new RegExp(`the ${provider} token provider is not supported by chains-ts`));
    expect(error.reason).toMatch(advice);
  });
});
