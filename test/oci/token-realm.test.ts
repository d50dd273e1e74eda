import { Effect } from "effect";
import { describe, expect, it } from "vitest";
import { RegistryAuthenticator } from "../../src/adapters/registry/auth/registry-auth.ts";
import { anonymous, basicCredential, type RegistryCredential } from "../../src/domain/oci/registry-credential.ts";
import { tokenRealmRefusal } from "../../src/domain/oci/token-realm.ts";

// Registry credentials go to a token realm only on the registry's own host or domain, and only over
// HTTPS unless the registry itself is reached over plain HTTP (insecure, or loopback).
describe("which token realms may receive registry credentials", () => {
  it.each([
    ["gcr.io", "https", "https://gcr.io/v2/token", true],
    ["index.docker.io", "https", "https://auth.docker.io/token", true],
    ["registry.gitlab.com", "https", "https://gitlab.com/jwt/auth", true],
    ["myreg.azurecr.io", "https", "https://myreg.azurecr.io/oauth2/token", true],
    ["registry.example.com:443", "https", "https://AUTH.example.com:8443/token", true],
    ["127.0.0.1:5000", "http", "http://127.0.0.1:5001/token", true],
    ["10.0.0.5:5000", "http", "http://10.0.0.5:9000/token", true],
    ["ghcr.io", "https", "https://evil.example/token", false],
    ["ghcr.io", "https", "http://ghcr.io/token", false],
    ["gcr.io", "https", "https://io/token", false],
    ["10.0.0.5:5000", "https", "https://10.0.0.6/token", false],
    ["registry.example.com", "https", "https://example.com.evil.net/token", false],
    ["registry.example.com", "https", "https://evilexample.com/token", false],
    ["registry.example.com", "https", "ftp://registry.example.com/token", false],
  ] as const)("registry %s over %s, realm %s → %s", (registry, scheme, realm, allowed) => {
    const refusal = tokenRealmRefusal(registry, scheme, new URL(realm));
    expect(refusal === undefined).toBe(allowed);
    if (refusal !== undefined) expect(refusal).toContain(new URL(realm).host);
  });
});

describe("the registry authenticator and a token realm", () => {
  const setup = (credential: RegistryCredential, realm: string, insecure = false) => {
    const requests: Array<{ url: string; authorization: string | undefined }> = [];
    const auth = new RegistryAuthenticator({
      credentialFor: () => Effect.succeed(credential),
      insecure,
      fetchToken: (url, init) => {
        requests.push({ url: url.href, authorization: (init.headers as Record<string, string>)["Authorization"] });
        return Effect.succeed(Response.json({ token: "t" }));
      },
    });
    auth.learn("registry.example.com", { _tag: "Bearer", realm, service: "svc" }, "");
    const authorize = () => Effect.runPromise(Effect.result(auth.authorization("registry.example.com", "team/app", "push")));
    return { requests, authorize };
  };

  it("refuses to send credentials to a realm on another host, without asking it", async () => {
    const { requests, authorize } = setup(basicCredential("robot", "pa55"), "https://tokens.attacker.net/token");
    const result = await authorize();
    expect(result._tag).toBe("Failure");
    if (result._tag === "Failure") {
      expect(result.failure.reason).toContain("tokens.attacker.net");
      expect(result.failure.retryable).toBe(false);
      expect(result.failure.reason).not.toContain("pa55");
    }
    expect(requests).toEqual([]);
  });

  it("asks a realm on another host for an anonymous token: there is nothing to leak", async () => {
    const { requests, authorize } = setup(anonymous, "https://tokens.elsewhere.net/token");
    expect((await authorize())._tag).toBe("Success");
    expect(requests).toEqual([{ url: expect.stringMatching(/^https:\/\/tokens\.elsewhere\.net\/token\?/), authorization: undefined }]);
  });

  it("sends credentials to a plain-HTTP realm only when the registry is configured insecure", async () => {
    const secure = setup(basicCredential("robot", "pa55"), "http://registry.example.com/token");
    expect((await secure.authorize())._tag).toBe("Failure");
    expect(secure.requests).toEqual([]);
    const insecure = setup(basicCredential("robot", "pa55"), "http://registry.example.com/token", true);
    expect((await insecure.authorize())._tag).toBe("Success");
    expect(insecure.requests[0]?.authorization).toMatch(/^Basic /);
  });
});
