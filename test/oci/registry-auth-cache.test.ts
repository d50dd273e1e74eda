import { Effect } from "effect";
import { describe, expect, it } from "vitest";
import { RegistryAuthenticator } from "../../src/adapters/registry/auth/registry-auth.ts";
import { basicCredential } from "../../src/domain/oci/registry-credential.ts";

describe("bearer token cache", () => {
  const setup = (expiresIn: number) => {
    let now = 1_000_000;
    const requested: string[] = [];
    const lookedUp: string[] = [];
    const auth = new RegistryAuthenticator({
      credentialFor: (registry, repository) =>
        Effect.sync(() => lookedUp.push(`${registry}/${repository}`)).pipe(Effect.as(basicCredential("u", "p"))),
      clock: { now: () => new Date(now) },
      fetchToken: (url) => {
        requested.push(url.searchParams.getAll("scope").join(" "));
        return Effect.succeed(Response.json({ token: `t${requested.length}`, expires_in: expiresIn }));
      },
    });
    auth.learn("reg.example.com", { _tag: "Bearer", realm: "https://auth.example.com/token", service: "svc" }, "");
    return { auth, requested, lookedUp, advance: (ms: number) => (now += ms) };
  };
  const header = (auth: RegistryAuthenticator, repo: string, action: "pull" | "push") =>
    Effect.runPromise(auth.authorization("reg.example.com", repo, action));

  it("reuses a token per scope until shortly before expiry; a push token also serves pulls", async () => {
    const { auth, requested, advance } = setup(300);
    expect(await header(auth, "a", "push")).toBe("Bearer t1");
    expect(await header(auth, "a", "pull")).toBe("Bearer t1");
    expect(await header(auth, "b", "pull")).toBe("Bearer t2");
    advance(289_000);
    expect(await header(auth, "a", "push")).toBe("Bearer t1");
    advance(2_000);
    expect(await header(auth, "a", "push")).toBe("Bearer t3");
    expect(requested).toEqual(["repository:a:pull,push", "repository:b:pull", "repository:a:pull,push"]);
  });

  it("looks a repository's credential up once per session (it may run a credential helper)", async () => {
    const { auth, lookedUp } = setup(300);
    await header(auth, "a", "push");
    await header(auth, "a", "pull");
    await header(auth, "b", "pull");
    await header(auth, "a", "push");
    expect(lookedUp).toEqual(["reg.example.com/a", "reg.example.com/b"]);
  });

  it("forgets a token the registry refused", async () => {
    const { auth, requested } = setup(300);
    await header(auth, "a", "pull");
    auth.learn("reg.example.com", { _tag: "Bearer", realm: "https://auth.example.com/token", service: "svc" }, "repository:a:pull");
    expect(await header(auth, "a", "pull")).toBe("Bearer t2");
    expect(requested).toHaveLength(2);
  });
});
