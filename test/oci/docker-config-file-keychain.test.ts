// The controller's docker config: auths, credential helpers (a fake docker-credential-<name>
// script first on the helper's PATH), and what happens when a helper is missing or fails.
import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Effect, Redacted } from "effect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dockerConfigFileKeychain, dockerConfigPath } from "../../src/adapters/registry/keychains/docker-config-file-keychain.ts";
import type { Keychain, RegistryCredential } from "../../src/domain/oci/registry-credential.ts";

const b64 = (s: string) => Buffer.from(s).toString("base64");
const shown = (c: RegistryCredential) =>
  c._tag === "Basic" ? `${c.username}:${Redacted.value(c.password)}` : c._tag === "IdentityToken" ? `token:${Redacted.value(c.token)}` : c._tag;

/** Every secret the fixtures hold; none may appear in a log line. */
const secrets = ["file-s3cret", "team-s3cret", "helper-s3cret", "refresh-s3cret", "hub-s3cret", "broken-s3cret"];

/**
 * docker-credential-fake: records what it read on stdin, answers per server, and prints the
 * not-found message of docker-credential-helpers for any other. docker-credential-broken fails.
 */
const fakeHelper = `#!/bin/sh
[ "$1" = get ] || exit 3
server=$(cat)
printf '%s\\n' "$server" >> "$(dirname "$0")/stdin.log"
case "$server" in
  helped.example) printf '{"ServerURL":"helped.example","Username":"helper-user","Secret":"helper-s3cret"}' ;;
  store.example:5000) printf '{"ServerURL":"store.example:5000","Username":"<token>","Secret":"refresh-s3cret"}' ;;
  https://index.docker.io/v1/) printf '{"ServerURL":"%s","Username":"hub-user","Secret":"hub-s3cret"}' "$server" ;;
  garbled.example) printf 'Secret=helper-s3cret' ;;
  slow.example) exec sleep 5 ;;
  *) echo "credentials not found in native keychain"; exit 1 ;;
esac
`;
const brokenHelper = `#!/bin/sh
cat > /dev/null
echo "error getting credentials - err: session token broken-s3cret expired" >&2
echo '{"Username":"broken-user","Secret":"broken-s3cret"}'
exit 2
`;

describe("the controller's docker config keychain", () => {
  let dir: string;
  let bin: string;
  let logs: string[];
  let keychain: Keychain;
  const lookup = (registry: string, repository = "team/app") => Effect.runPromise(keychain(registry, repository)).then(shown);
  const writeConfig = (config: unknown) => writeFile(join(dir, "config.json"), typeof config === "string" ? config : JSON.stringify(config));
  const helperStdin = async () => (await readFile(join(bin, "stdin.log"), "utf8").catch(() => "")).split("\n").filter((l) => l !== "");

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "chains-ts-docker-config-"));
    bin = await mkdtemp(join(tmpdir(), "chains-ts-helpers-"));
    for (const [name, script] of [["fake", fakeHelper], ["broken", brokenHelper]] as const) {
      await writeFile(join(bin, `docker-credential-${name}`), script);
      await chmod(join(bin, `docker-credential-${name}`), 0o755);
    }
    logs = [];
    keychain = dockerConfigFileKeychain({
      env: { DOCKER_CONFIG: dir, PATH: `${bin}:${process.env["PATH"] ?? "/usr/bin:/bin"}` },
      log: (level, message) => logs.push(`${level} ${message}`),
    });
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
    await rm(bin, { recursive: true, force: true });
  });

  it("finds $DOCKER_CONFIG/config.json, else ~/.docker/config.json", () => {
    expect(dockerConfigPath({ DOCKER_CONFIG: "/etc/docker-auth", HOME: "/home/x" })).toBe("/etc/docker-auth/config.json");
    expect(dockerConfigPath({ DOCKER_CONFIG: "", HOME: "/home/x" })).toBe("/home/x/.docker/config.json");
  });

  it("is anonymous, quietly, without a file", async () => {
    expect(await lookup("reg.example:5000")).toBe("Anonymous");
    expect(logs).toEqual([]);
  });

  it("uses `auths`, longest match first, and picks up a changed file without a restart", async () => {
    await writeConfig({ auths: { "reg.example:5000": { auth: b64("file-user:file-s3cret") }, "reg.example:5000/team": { auth: b64("team:team-s3cret") } } });
    expect(await lookup("reg.example:5000", "other/app")).toBe("file-user:file-s3cret");
    expect(await lookup("reg.example:5000", "team/app")).toBe("team:team-s3cret");
    expect(await lookup("elsewhere.example")).toBe("Anonymous");
    await writeConfig({ auths: { "elsewhere.example": { username: "late", password: "file-s3cret-2" } } });
    expect(await lookup("elsewhere.example")).toBe("late:file-s3cret-2");
    expect(await lookup("reg.example:5000")).toBe("Anonymous");
  });

  it("asks credHelpers per registry and credsStore for the others, with the server on stdin; `<token>` is an identity token", async () => {
    await writeConfig({
      auths: { "store.example:5000": { auth: b64("ignored:file-s3cret") }, "nothing.example": { auth: b64("ignored:file-s3cret") } },
      credHelpers: {
        "helped.example": "fake",
        "missing.example": "not-installed",
        "failing.example": "broken",
        "garbled.example": "fake",
        "slow.example": "fake",
      },
      credsStore: "fake",
    });
    await rm(join(bin, "stdin.log"), { force: true });
    expect(await lookup("helped.example")).toBe("helper-user:helper-s3cret");
    expect(await lookup("store.example:5000")).toBe("token:refresh-s3cret");
    expect(await lookup("docker.io", "library/ubuntu")).toBe("hub-user:hub-s3cret");
    // As in the docker CLI, a registry a helper answers for does not fall back to `auths`.
    expect(await lookup("nothing.example")).toBe("Anonymous");
    expect(await helperStdin()).toEqual(["helped.example", "store.example:5000", "https://index.docker.io/v1/", "nothing.example"]);
    expect(logs).toEqual([]);
  });

  it("is anonymous with a warning when a helper is missing, fails, garbles or hangs, and never logs a secret", async () => {
    logs.length = 0;
    expect(await lookup("missing.example")).toBe("Anonymous");
    expect(await lookup("failing.example")).toBe("Anonymous");
    expect(await lookup("garbled.example")).toBe("Anonymous");
    const impatient = dockerConfigFileKeychain({
      env: { DOCKER_CONFIG: dir, PATH: `${bin}:/usr/bin:/bin` },
      log: (level, message) => logs.push(`${level} ${message}`),
      timeoutMs: 200,
    });
    expect(shown(await Effect.runPromise(impatient("slow.example", "x")))).toBe("Anonymous");
    expect(logs).toEqual([
      expect.stringMatching(/^warning credential helper docker-credential-not-installed for registry missing\.example: not found on PATH/),
      // What a helper printed is never logged, even when it failed: it may hold the secret.
      "warning credential helper docker-credential-broken for registry failing.example: exit status 2; using no credentials from it",
      expect.stringMatching(/^warning credential helper docker-credential-fake for registry garbled\.example: its answer is not credential JSON/),
      expect.stringMatching(/^warning credential helper docker-credential-fake for registry slow\.example: no answer within 200 ms/),
    ]);
    for (const secret of secrets) expect(logs.join("\n")).not.toContain(secret);
  });

  it("warns once about a malformed file, without quoting it", async () => {
    logs.length = 0;
    await writeConfig(`{"auths": {"reg.example": "file-s3cret"}}`);
    expect(await lookup("reg.example")).toBe("Anonymous");
    expect(await lookup("reg.example")).toBe("Anonymous");
    expect(logs).toEqual([`warning docker config ${join(dir, "config.json")}: entry "reg.example" is not an object; no registry credentials from it`]);
    for (const secret of secrets) expect(logs.join("\n")).not.toContain(secret);
  });
});
