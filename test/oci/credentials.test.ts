import { Effect, Redacted } from "effect";
import { describe, expect, it } from "vitest";
import { parseCredentialHelperOutput } from "../../src/domain/oci/credential-helper-output.ts";
import {
  credentialHelperFor,
  dockerConfigKeychain,
  InvalidDockerConfig,
  parseDockerConfig,
  parseDockerConfigFile,
  type DockerConfigEntry,
} from "../../src/domain/oci/docker-config.ts";
import { isGoogleRegistry, parseAccessTokenResponse } from "../../src/domain/oci/google-access-token.ts";
import { anonymous, basicCredential, firstOf, type Keychain, type RegistryCredential } from "../../src/domain/oci/registry-credential.ts";
import { registryScheme } from "../../src/domain/oci/registry-scheme.ts";
import { parseWwwAuthenticate } from "../../src/adapters/registry/auth/www-authenticate.ts";

const b64 = (s: string) => Buffer.from(s).toString("base64");
const entries = (text: string, shape: "dockerconfigjson" | "dockercfg" = "dockerconfigjson"): ReadonlyArray<DockerConfigEntry> => {
  const parsed = parseDockerConfig(text, shape, ".dockerconfigjson");
  if (parsed instanceof InvalidDockerConfig) throw new Error(parsed.reason);
  return parsed;
};
const lookup = (keychain: Keychain, registry: string, repository: string) => Effect.runSync(keychain(registry, repository));
const userOf = (c: RegistryCredential) => (c._tag === "Basic" ? `${c.username}:${Redacted.value(c.password)}` : c._tag);

describe("docker config credentials (storage.md §5)", () => {
  it("reads `auth` (base64 user:password, password may contain ':') and username/password fields", () => {
    const keychain = dockerConfigKeychain(
      entries(JSON.stringify({ auths: { "a.example": { auth: b64("alice:pa:ss") }, "b.example": { username: "bob", password: "pw" } } })),
    );
    expect(userOf(lookup(keychain, "a.example", "x/y"))).toBe("alice:pa:ss");
    expect(userOf(lookup(keychain, "b.example", "x"))).toBe("bob:pw");
    expect(lookup(keychain, "c.example", "x")).toEqual(anonymous);
  });

  it("reads the older .dockercfg shape (the auths map itself)", () => {
    const keychain = dockerConfigKeychain(entries(JSON.stringify({ "https://q.example/v1/": { auth: b64("u:p"), email: "e" } }), "dockercfg"));
    expect(userOf(lookup(keychain, "q.example", "r"))).toBe("u:p");
  });

  it("picks the longest matching key; scheme and /v1/ /v2/ prefixes are ignored; docker.io is index.docker.io", () => {
    const keychain = dockerConfigKeychain(
      entries(
        JSON.stringify({
          auths: {
            "https://reg.example:5000/v2/": { auth: b64("host:1") },
            "reg.example:5000/team": { auth: b64("team:2") },
            "reg.example:5000/team/app": { auth: b64("app:3") },
            "https://index.docker.io/v1/": { auth: b64("hub:4") },
            "*.wild.example": { auth: b64("wild:5") },
          },
        }),
      ),
    );
    expect(userOf(lookup(keychain, "reg.example:5000", "other/app"))).toBe("host:1");
    expect(userOf(lookup(keychain, "reg.example:5000", "team/lib"))).toBe("team:2");
    expect(userOf(lookup(keychain, "reg.example:5000", "team/app"))).toBe("app:3");
    expect(userOf(lookup(keychain, "reg.example:5000", "team/application"))).toBe("team:2");
    expect(userOf(lookup(keychain, "reg.example", "team/app"))).toBe("Anonymous");
    expect(userOf(lookup(keychain, "index.docker.io", "library/ubuntu"))).toBe("hub:4");
    expect(userOf(lookup(keychain, "eu.wild.example", "x"))).toBe("wild:5");
    expect(userOf(lookup(keychain, "a.eu.wild.example", "x"))).toBe("Anonymous");
  });

  it("takes identity and registry tokens, and the first non-anonymous keychain", () => {
    const keychain = dockerConfigKeychain(
      entries(JSON.stringify({ auths: { "i.example": { identitytoken: "refresh" }, "r.example": { registrytoken: "bearer" } } })),
    );
    expect(lookup(keychain, "i.example", "x")._tag).toBe("IdentityToken");
    expect(lookup(keychain, "r.example", "x")._tag).toBe("RegistryToken");
    const chained = firstOf([keychain, () => Effect.succeed(basicCredential("own", "config"))]);
    expect(lookup(chained, "i.example", "x")._tag).toBe("IdentityToken");
    expect(userOf(lookup(chained, "elsewhere.example", "x"))).toBe("own:config");
  });

  it("never prints a password: not in String(), JSON, or parse errors", () => {
    const keychain = dockerConfigKeychain(entries(JSON.stringify({ auths: { "a.example": { auth: b64("alice:s3cr3t-pw") } } })));
    const credential = lookup(keychain, "a.example", "x");
    expect(String(JSON.stringify(credential))).not.toContain("s3cr3t-pw");
    expect(`${String((credential as { password: unknown }).password)}`).not.toContain("s3cr3t-pw");
    const bad = parseDockerConfig(`{"auths":{"a":{"auth":"${b64("no-colon-s3cr3t")}"}}}`, "dockerconfigjson", "sa/secret");
    expect(bad).toBeInstanceOf(InvalidDockerConfig);
    expect(JSON.stringify(bad) + String(bad)).not.toContain("no-colon-s3cr3t");
    expect(parseDockerConfig(`{"auths": s3cr3t`, "dockerconfigjson", "x")).toBeInstanceOf(InvalidDockerConfig);
  });
});

describe("the controller's docker config file and credential helper answers", () => {
  it("reads credHelpers and credsStore; a helper answers for its registry instead of `auths`", () => {
    const config = parseDockerConfigFile(
      JSON.stringify({ auths: { "a.example": { auth: b64("u:p") } }, credHelpers: { "ecr.example": "ecr-login" }, credsStore: "pass" }),
      "config.json",
    );
    if (config instanceof InvalidDockerConfig) throw new Error(config.reason);
    expect(credentialHelperFor(config, "ecr.example")).toBe("ecr-login");
    expect(credentialHelperFor(config, "a.example")).toBe("pass");
    const noStore = parseDockerConfigFile(JSON.stringify({ credHelpers: { "https://index.docker.io/v1/": "hub" } }), "config.json");
    if (noStore instanceof InvalidDockerConfig) throw new Error(noStore.reason);
    expect(credentialHelperFor(noStore, "docker.io")).toBe("hub");
    expect(credentialHelperFor(noStore, "a.example")).toBeUndefined();
  });

  it("refuses helper names that are not a program name suffix", () => {
    for (const bad of [{ credsStore: "../../bin/sh" }, { credHelpers: { "a.example": "x/y" } }, { credHelpers: { "a.example": 1 } }]) {
      expect(parseDockerConfigFile(JSON.stringify(bad), "config.json")).toBeInstanceOf(InvalidDockerConfig);
    }
  });

  it("reads a helper's answer: `<token>` is an identity token, empty is anonymous, anything else is not credentials", () => {
    expect(userOf(parseCredentialHelperOutput(`{"ServerURL":"r","Username":"AWS","Secret":"pw"}`) ?? anonymous)).toBe("AWS:pw");
    expect(parseCredentialHelperOutput(`{"ServerURL":"r","Username":"<token>","Secret":"refresh"}`)?._tag).toBe("IdentityToken");
    expect(parseCredentialHelperOutput(`{"ServerURL":"r","Username":"","Secret":""}`)).toEqual(anonymous);
    expect(parseCredentialHelperOutput("user:pw")).toBeUndefined();
    expect(parseCredentialHelperOutput(`{"Username":1}`)).toBeUndefined();
  });

  it("knows Google's registries and their metadata token answer", () => {
    expect(["gcr.io", "EU.GCR.IO", "us-docker.pkg.dev"].every(isGoogleRegistry)).toBe(true);
    expect(["notgcr.io", "gcr.io.example", "pkg.dev.example", "ghcr.io"].some(isGoogleRegistry)).toBe(false);
    expect(parseAccessTokenResponse(`{"access_token":"ya29.x","expires_in":3599,"token_type":"Bearer"}`)?.expiresInSeconds).toBe(3599);
    expect(parseAccessTokenResponse(`{"access_token":"","expires_in":3599}`)).toBeUndefined();
    expect(parseAccessTokenResponse("<html>")).toBeUndefined();
  });
});

// Plain HTTP only with storage.oci.repository.insecure or on loopback: registry hosts come from run
// results, so a private-range address is not proof of a trusted network (issue 13 item 9).
describe("registry scheme", () => {
  it.each([
    ["gcr.io", false, "https"],
    ["gcr.io", true, "http"],
    ["localhost:5000", false, "http"],
    ["localhost", false, "https"],
    ["reg.localhost", false, "http"],
    ["reg.localhost:8080", false, "http"],
    ["127.0.0.1", false, "http"],
    ["127.0.0.1:5000", false, "http"],
    ["[::1]:5000", false, "http"],
    ["10.1.2.3:5000", false, "https"],
    ["10.1.2.3:5000", true, "http"],
    ["172.16.0.1", false, "https"],
    ["172.32.0.1", false, "https"],
    ["192.168.1.1:443", false, "https"],
    ["192.169.1.1", false, "https"],
    ["8.8.8.8", false, "https"],
  ] as const)("%s (insecure=%s) → %s", (registry, insecure, scheme) => {
    expect(registryScheme(registry, insecure)).toBe(scheme);
  });
});

describe("WWW-Authenticate parsing", () => {
  it("reads Bearer parameters, quoted and escaped, and several challenges", () => {
    expect(
      parseWwwAuthenticate(`Bearer realm="https://auth.example/token",service="reg \\"x\\"",scope="repository:a/b:pull,push", Basic realm="r"`),
    ).toEqual([
      { scheme: "bearer", params: { realm: "https://auth.example/token", service: 'reg "x"', scope: "repository:a/b:pull,push" } },
      { scheme: "basic", params: { realm: "r" } },
    ]);
    expect(parseWwwAuthenticate(`Basic abc==, Bearer realm=https://t`)).toEqual([
      { scheme: "basic", params: {} },
      { scheme: "bearer", params: { realm: "https://t" } },
    ]);
    expect(parseWwwAuthenticate("")).toEqual([]);
  });
});
