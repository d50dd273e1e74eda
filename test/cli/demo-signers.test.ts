import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCommandLine } from "../support/command-output.ts";
import { describeWithTools, makeGpgHome, type GpgHome } from "../support/independent-verifiers.ts";

const cli = fileURLToPath(new URL("../../bin/chains-ts", import.meta.url));
const chainsTs = (args: ReadonlyArray<string>) =>
  promisify(execFile)(cli, args).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code?: number; stdout?: string; stderr?: string }) => ({ code: error.code ?? -1, stdout: error.stdout ?? "", stderr: error.stderr ?? "" }),
  );

const scratch: Array<string> = [];
const freshDir = async (): Promise<string> => {
  const dir = await mkdtemp(join(tmpdir(), "chains-demo-cli-"));
  scratch.push(dir);
  return dir;
};
afterAll(async () => {
  for (const dir of scratch.splice(0)) await rm(dir, { recursive: true, force: true });
});

/**
 * `chains-ts demo` with a chains-config map and, optionally, a secrets directory: in this process
 * unless `asProcess` (a process start costs seconds on 2 busy cores; one case runs through
 * bin/chains-ts, as do bad-input.test.ts's).
 */
const demo = async (config: Record<string, string>, secrets?: Record<string, string>, asProcess = false) => {
  const dir = await freshDir();
  await writeFile(join(dir, "config.json"), JSON.stringify(config));
  const args = ["demo", "--out", join(dir, "out"), "--config", join(dir, "config.json")];
  if (secrets !== undefined) {
    await mkdir(join(dir, "secrets"));
    for (const [name, content] of Object.entries(secrets)) await writeFile(join(dir, "secrets", name), content);
    args.push("--signing-secrets", join(dir, "secrets"));
  }
  return { out: join(dir, "out"), ...(await (asProcess ? chainsTs(args) : runCommandLine(args))) };
};

const noStackTrace = (stderr: string) => expect(stderr).not.toMatch(/^\s+at /m);

/** The printed command line that starts with `program`, split into its arguments. */
const printedCommand = (stdout: string, start: string): Array<string> => {
  const line = stdout.split("\n").map((l) => l.trim()).find((l) => l.startsWith(start));
  if (line === undefined) throw new Error(`the demo printed no '${start}' command:\n${stdout}`);
  return line.split(/\s+/);
};

const run = ([command, ...args]: ReadonlyArray<string>) =>
  promisify(execFile)(command!, args).then(
    ({ stdout, stderr }) => ({ code: 0, output: stdout + stderr }),
    (error: { code?: number; stdout?: string; stderr?: string }) => ({ code: error.code ?? -1, output: `${error.stdout ?? ""}${error.stderr ?? ""}` }),
  );

describeWithTools("gpg")("chains-ts demo with a PGP signer", () => {
  let gpg: GpgHome;
  beforeAll(async () => {
    gpg = await makeGpgHome();
  });
  afterAll(() => gpg.close());

  it("signs every run and writes an armored signature that gpg verifies over the payload", { timeout: 120_000 }, async () => {
    const key = await gpg.generateKey("Demo <demo@example.com>", "ed25519", "");
    const signers = { "artifacts.taskrun.signer": "pgp", "artifacts.pipelinerun.signer": "pgp", "artifacts.oci.signer": "pgp" };
    const result = await demo(signers, { "pgp.private-key": key }, true);
    noStackTrace(result.stderr);
    expect(result.code).toBe(0);
    expect(result.stdout).not.toContain("signed=failed");
    const [, verify, signature, payload] = printedCommand(result.stdout, "gpg --verify");
    expect(verify).toBe("--verify");
    const good = await gpg.verify(await readFile(signature!), await readFile(payload!));
    expect(good.output).toContain("[GNUPG:] GOODSIG");
    expect((await gpg.verify(await readFile(signature!), Buffer.from("{}"))).ok).toBe(false);
    expect(await readFile(join(result.out, "pgp.pub.asc"), "utf8")).toContain("-----BEGIN PGP PUBLIC KEY BLOCK-----");
    expect(result.stdout).not.toContain("openssl");
  });
});

describeWithTools("openssl")("chains-ts demo with other signers and formats", () => {
  it("with the deprecated tekton format (a raw signature, no DSSE) prints an openssl command that verifies", { timeout: 120_000 }, async () => {
    const result = await demo({ "artifacts.taskrun.format": "tekton" });
    noStackTrace(result.stderr);
    expect(result.code).toBe(0);
    const command = printedCommand(result.stdout, "openssl dgst");
    expect(await run(command)).toEqual({ code: 0, output: expect.stringContaining("Verified OK") });
  });

  it("with signer none says the payloads are stored unsigned and prints no check that cannot pass", { timeout: 120_000 }, async () => {
    const result = await demo({ "artifacts.taskrun.signer": "none", "artifacts.pipelinerun.signer": "none", "artifacts.oci.signer": "none" });
    noStackTrace(result.stderr);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("unsigned");
    expect(result.stdout).not.toMatch(/openssl|cosign verify-blob|chains-ts verify/);
  });
});

describe("chains-ts demo when it cannot sign or start", () => {
  it("with a kms signer that has no key reference exits 1, naming the cause once per failed run", { timeout: 120_000 }, async () => {
    const result = await demo({ "artifacts.taskrun.signer": "kms" });
    noStackTrace(result.stderr);
    expect(result.code).toBe(1);
    const failures = result.stderr.trimEnd().split("\n");
    expect(failures.length).toBeGreaterThan(0);
    for (const line of failures) expect(line).toMatch(/^chains-ts demo: TaskRun default\/\S+ was not signed: .*signers\.kms\.kmsref/);
    expect(result.stdout).not.toContain("openssl");
  });

  it("exits 2 with one line naming the key for an invalid chains-config value", { timeout: 60_000 }, async () => {
    const result = await demo({ "artifacts.taskrun.signer": "bogus" });
    noStackTrace(result.stderr);
    expect(result.code).toBe(2);
    expect(result.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(result.stderr).toMatch(/^chains-ts demo: .*"bogus".*artifacts\.taskrun\.signer/);
  });

  it("exits 2 with one line when --out cannot be created", { timeout: 60_000 }, async () => {
    const dir = await freshDir();
    await writeFile(join(dir, "file"), "");
    const result = await runCommandLine(["demo", "--out", join(dir, "file", "out")]);
    noStackTrace(result.stderr);
    expect(result.code).toBe(2);
    expect(result.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(result.stderr).toContain(`chains-ts demo: --out ${join(dir, "file", "out")}: `);
  });
});
