// chains-ts verify on runs the real controller signed with transparency on, keyed and keyless,
// against the loopback Rekor + Fulcio: the entry and certificate it reports are checked with
// openssl (SET, serial, chain), and runs whose entry or certificate was swapped are rejected.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import { verifyCommand } from "../../src/app/cli/verify-command.ts";
import { runCommand } from "../support/command-output.ts";
import { describeWithTools, openssl } from "../support/independent-verifiers.ts";
import { type LoopbackSigstore, setVerifiesWithOpenssl, startLoopbackSigstore } from "../support/loopback-sigstore.ts";
import { keylessSetup, opensslChainVerifies, trustedRootOf, type KeylessSetup } from "../fulcio/keyless-fixtures.ts";
import { type SignedRun, type SignedRuns, signedByController } from "./signed-by-controller.ts";

const dir = mkdtempSync(join(tmpdir(), "chains-verify-tlog-"));
let files = 0;
const writeTemp = (content: string): string => {
  const path = join(dir, `f${files++}`);
  writeFileSync(path, content);
  return path;
};
const runFile = (run: SignedRun): string => writeTemp(JSON.stringify(run));
const verify = (...args: ReadonlyArray<string>) => runCommand(verifyCommand, args);

const T = "chains.tekton.dev/transparency";
const runKey = (run: SignedRun) => `taskrun-${run.metadata.uid}`;
const imageKeyOf = (run: SignedRun) =>
  Object.keys(run.metadata.annotations)
    .filter((name) => name.startsWith("chains.tekton.dev/signature-") && !name.includes("taskrun-"))
    .map((name) => name.slice("chains.tekton.dev/signature-".length))[0]!;
const indexIn = (url: string | undefined) => Number(new URL(url!).searchParams.get("logIndex"));

/** A copy of the run with its annotations changed; `undefined` removes one. */
const edited = (run: SignedRun, changes: Readonly<Record<string, string | undefined>>): SignedRun => {
  const copy = structuredClone(run);
  for (const [name, value] of Object.entries(changes)) {
    if (value === undefined) delete copy.metadata.annotations[name];
    else copy.metadata.annotations[name] = value;
  }
  return copy;
};
const withoutTransparency = (run: SignedRun): SignedRun =>
  edited(run, Object.fromEntries(Object.keys(run.metadata.annotations).filter((name) => name.startsWith(T)).map((name) => [name, undefined])));

const pemOf = (run: SignedRun, name: string) => Buffer.from(run.metadata.annotations[`chains.tekton.dev/${name}-${runKey(run)}`]!, "base64").toString();

describeWithTools("openssl")("chains-ts verify with Rekor entries and keyless certificates (loopback Rekor + Fulcio)", () => {
  let sigstore: LoopbackSigstore;
  let foreign: LoopbackSigstore;
  let keyed: SignedRuns;
  let keyPath: string;
  let setup: KeylessSetup;
  let keyless: SignedRuns;
  /** Signed by a second keyless controller: another ephemeral key, another valid certificate for the same identity. */
  let otherKeyless: SignedRuns;
  const identity = "system:serviceaccount:tekton-chains:tekton-chains-controller";
  const issuer = "https://kubernetes.default.svc.cluster.local";

  beforeAll(async () => {
    sigstore = await startLoopbackSigstore();
    foreign = await startLoopbackSigstore();
    keyed = await signedByController(sigstore, { count: 2, names: "keyed" });
    keyPath = writeTemp(keyed.publicKeyPem);
    setup = keylessSetup(trustedRootOf(sigstore));
    setup.rotateToken();
    keyless = await signedByController(sigstore, { count: 1, keyless: setup.context, names: "keyless" });
    setup.rotateToken();
    otherKeyless = await signedByController(sigstore, { count: 1, keyless: setup.context, names: "other" });
  }, 120_000);
  afterAll(async () => {
    await sigstore?.close();
    await foreign?.close();
    rmSync(setup.dir, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  });

  const keyedArgs = (...more: ReadonlyArray<string>) => ["--key", keyPath, "--trusted-root", sigstore.trustedRootPath, ...more];
  const keylessArgs = (...more: ReadonlyArray<string>) => [
    "--certificate-identity", identity, "--certificate-oidc-issuer", issuer, "--trusted-root", sigstore.trustedRootPath, ...more,
  ];

  it("accepts a keyed run and names, for each signature, the entry that logs it (openssl verifies that entry's SET)", async () => {
    const [run] = keyed.runs;
    const result = await verify(...keyedArgs(runFile(run!)));
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split("\n");
    expect(lines).toHaveLength(2);
    for (const shortKey of [runKey(run!), imageKeyOf(run!)]) {
      const index = indexIn(run!.metadata.annotations[`${T}-${shortKey}`]);
      const line = lines.find((l) => l.includes(` ${shortKey}: `));
      expect(line).toMatch(new RegExp(`logged in Rekor at index ${index} \\(integrated \\d{4}-\\d\\d-\\d\\dT`));
      const entry = [...sigstore.entries.values()].find((e) => e.logIndex === index) as unknown as Parameters<typeof setVerifiesWithOpenssl>[0] & {
        verification: { signedEntryTimestamp: string };
      };
      expect(setVerifiesWithOpenssl({ ...entry, signedEntryTimestamp: entry.verification.signedEntryTimestamp }, sigstore.logPublicKeyPem)).toBe(true);
      // The entry logs this very signature: the envelope's sig (dsse) or the raw signature (hashedrekord).
      const annotation = run!.metadata.annotations[`chains.tekton.dev/signature-${shortKey}`]!;
      const logged = shortKey === runKey(run!) ? JSON.parse(Buffer.from(annotation, "base64").toString()).signatures[0].sig : annotation;
      expect(Buffer.from(entry.body, "base64").toString()).toContain(`"${logged}"`);
    }
  });

  it("rejects a run whose transparency annotation was swapped for another run's entry, saying why", async () => {
    const [run, other] = keyed.runs;
    const swapped = edited(run!, { [`${T}-${runKey(run!)}`]: other!.metadata.annotations[`${T}-${runKey(other!)}`] });
    const result = await verify(...keyedArgs(runFile(swapped)));
    expect(result.code).toBe(1);
    const index = indexIn(other!.metadata.annotations[`${T}-${runKey(other!)}`]);
    expect(result.stderr).toContain(`${runKey(run!)}: Rekor entry ${index} (${T}-${runKey(run!)}): entry ${index}: the entry body does not log this signature`);
    expect(result.stderr).toContain("1 of 2 signatures failed");

    const ignored = await verify(...keyedArgs("--insecure-ignore-tlog", runFile(swapped)));
    expect(ignored.code).toBe(0);
    expect(ignored.stdout).toContain("Rekor entry not checked (--insecure-ignore-tlog)");
    expect(ignored.stdout).not.toContain("logged in Rekor");
  });

  it("a run with a single signature: the reference's chains.tekton.dev/transparency names its entry, and must log it", async () => {
    const [run] = keyed.runs;
    const imageKey = imageKeyOf(run!);
    const own = run!.metadata.annotations[`${T}-${runKey(run!)}`]!;
    const single = edited(withoutTransparency(run!), {
      [`chains.tekton.dev/payload-${imageKey}`]: undefined,
      [`chains.tekton.dev/signature-${imageKey}`]: undefined,
      [T]: own,
    });
    const accepted = await verify(...keyedArgs(runFile(single)));
    expect(accepted.code).toBe(0);
    expect(accepted.stdout).toContain(`logged in Rekor at index ${indexIn(own)}`);
    const imageEntry = run!.metadata.annotations[`${T}-${imageKey}`]!;
    const rejected = await verify(...keyedArgs(runFile(edited(single, { [T]: imageEntry }))));
    expect(rejected.code).toBe(1);
    expect(rejected.stderr).toContain(`Rekor entry ${indexIn(imageEntry)} (${T})`);
  });

  it("a keyed run without transparency annotations (the default config) still verifies with --key; --require-tlog refuses it", async () => {
    const plain = runFile(withoutTransparency(keyed.runs[0]!));
    const result = await verify("--key", keyPath, plain);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("no Rekor entry named for it");
    const required = await verify("--key", keyPath, "--trusted-root", sigstore.trustedRootPath, "--require-tlog", plain);
    expect(required.code).toBe(1);
    expect(required.stderr).toMatch(/no Rekor entry is named for it .*--insecure-ignore-tlog/);
  });

  it("an entry signed by a log the trusted root does not hold is rejected", async () => {
    const result = await verify("--key", keyPath, "--trusted-root", foreign.trustedRootPath, runFile(keyed.runs[0]!));
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/signed by log [0-9a-f]{64}, which the trusted root does not hold/);
  });

  it("--rekor-url: entries are fetched there by the annotation's index", async () => {
    const run = runFile(keyed.runs[0]!);
    const before = sigstore.requests.length;
    expect((await verify(...keyedArgs("--rekor-url", sigstore.url, run))).code).toBe(0);
    expect(sigstore.requests.slice(before).filter((r) => r.startsWith("GET /api/v1/log/entries?logIndex="))).toHaveLength(2);
    const elsewhere = await verify(...keyedArgs("--rekor-url", foreign.url, run));
    expect(elsewhere.code).toBe(1);
    expect(elsewhere.stderr).toMatch(/HTTP 404/);
  });

  it("takes the trusted root from SIGSTORE_TRUSTED_ROOT; a trusted root that cannot be read is a usage error (exit 2)", async () => {
    const run = runFile(keyed.runs[0]!);
    vi.stubEnv("SIGSTORE_TRUSTED_ROOT", sigstore.trustedRootPath);
    try {
      expect((await verify("--key", keyPath, run)).code).toBe(0);
    } finally {
      vi.unstubAllEnvs();
    }
    const missing = join(dir, "no-such-trusted-root.json");
    const result = await verify("--key", keyPath, "--trusted-root", missing, run);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`no Sigstore trusted root: --trusted-root ${missing}: cannot read it (ENOENT)`);
  });

  it("accepts a keyless run for its identity and issuer, naming the certificate (serial and chain as openssl reads them)", async () => {
    const [run] = keyless.runs;
    const result = await verify(...keylessArgs(runFile(run!)));
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const certificatePem = pemOf(run!, "cert");
    const serial = BigInt(`0x${openssl(["x509", "-noout", "-serial"], Buffer.from(certificatePem)).toString().trim().replace(/^serial=/, "")}`);
    expect(opensslChainVerifies(sigstore.caRootPem, certificatePem, setup.dir)).toBe(true);
    const lines = result.stdout.trim().split("\n");
    expect(lines).toHaveLength(2);
    for (const line of lines) {
      expect(line).toMatch(/by the certificate's key; logged in Rekor at index \d+/);
      const named = /certificate (\S+) issued by (\S+) \(serial ([0-9a-f]+)\)$/.exec(line);
      expect(named?.slice(1, 3)).toEqual([identity, issuer]);
      expect(BigInt(`0x${named![3]}`)).toBe(serial);
    }
  });

  it("accepts the -regexp forms and --ca-roots; a CA that did not issue the certificate is refused", async () => {
    const run = runFile(keyless.runs[0]!);
    const regexp = await verify("--certificate-identity-regexp", "^system:serviceaccount:tekton-chains:", "--certificate-oidc-issuer-regexp", "kubernetes", "--trusted-root", sigstore.trustedRootPath, run);
    expect(regexp.code).toBe(0);
    expect((await verify(...keylessArgs("--ca-roots", writeTemp(sigstore.caRootPem), run))).code).toBe(0);
    const otherCa = await verify(...keylessArgs("--ca-roots", writeTemp(foreign.caRootPem), run));
    expect(otherCa.code).toBe(1);
    expect(otherCa.stderr).toMatch(/does not chain to a trusted certificate authority/);
  });

  it("requires SCTs from a CT log of the trusted root, unless --insecure-ignore-sct", async () => {
    const run = runFile(keyless.runs[0]!);
    const caRoots = writeTemp(sigstore.caRootPem);
    const otherCtLogs = ["--ca-roots", caRoots, "--trusted-root", foreign.trustedRootPath, "--insecure-ignore-tlog"];
    const result = await verify("--certificate-identity", identity, "--certificate-oidc-issuer", issuer, ...otherCtLogs, run);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/SCT is from CT log [0-9a-f]{64}, which the trusted root does not list/);
    const ignored = await verify("--certificate-identity", identity, "--certificate-oidc-issuer", issuer, ...otherCtLogs, "--insecure-ignore-sct", run);
    expect(ignored.code).toBe(0);
  });

  it.each([
    [["--certificate-identity", "someone@example.com", "--certificate-oidc-issuer", issuer], /was issued to system:serviceaccount:tekton-chains:tekton-chains-controller, not someone@example\.com/],
    [["--certificate-identity", identity, "--certificate-oidc-issuer", "https://accounts.google.com"], /OIDC issuer is https:\/\/kubernetes\.default\.svc\.cluster\.local, not https:\/\/accounts\.google\.com/],
    [["--certificate-identity-regexp", "^ci@", "--certificate-oidc-issuer", issuer], /not \/\^ci@\//],
  ])("rejects a keyless run for another identity or issuer: %j", async (flags, reason) => {
    const result = await verify(...flags, "--trusted-root", sigstore.trustedRootPath, runFile(keyless.runs[0]!));
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(reason);
    expect(result.stdout).toBe("");
  });

  it("rejects a keyless run whose certificate was swapped for another valid Fulcio certificate of the same identity", async () => {
    const [run] = keyless.runs;
    const [other] = otherKeyless.runs;
    expect(pemOf(other!, "cert")).not.toBe(pemOf(run!, "cert"));
    const swapped = edited(run!, { [`chains.tekton.dev/cert-${runKey(run!)}`]: other!.metadata.annotations[`chains.tekton.dev/cert-${runKey(other!)}`] });
    const result = await verify(...keylessArgs(runFile(swapped)));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${runKey(run!)}: the DSSE envelope signature does not verify with the certificate's key`);
  });

  it("a keyless signature must be logged: without its entry it fails with a hint, unless --insecure-ignore-tlog", async () => {
    const unlogged = runFile(withoutTransparency(keyless.runs[0]!));
    const result = await verify(...keylessArgs(unlogged));
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/a keyless signature must be logged \(transparency\.enabled\), or skip this check with --insecure-ignore-tlog/);
    // The certificate is minutes old, so it is still valid now, the time it is judged at without an entry.
    const ignored = await verify(...keylessArgs("--insecure-ignore-tlog", unlogged));
    expect(ignored.code).toBe(0);
    expect(ignored.stdout).toContain(`certificate ${identity}`);
  });

  it("a keyed-only signature under keyless flags needs --key", async () => {
    const result = await verify(...keylessArgs(runFile(keyed.runs[0]!)));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("signed with a key, not a Fulcio certificate: give --key to check it");
  });

  it.each([
    [["--certificate-identity", identity], /needs --certificate-oidc-issuer/],
    [["--certificate-oidc-issuer", issuer], /needs --certificate-identity/],
    [["--certificate-identity", identity, "--certificate-identity-regexp", ".", "--certificate-oidc-issuer", issuer], /not both/],
    [["--certificate-identity-regexp", "(", "--certificate-oidc-issuer", issuer], /--certificate-identity-regexp: Invalid regular expression/],
    [["--key", "k.pub", "--require-tlog", "--insecure-ignore-tlog"], /contradict/],
    [["--key", "k.pub", "--rekor-url", "ftp://x"], /--rekor-url ftp:\/\/x: not an http\(s\) URL/],
  ])("usage error (exit 2): %j", async (flags, message) => {
    const result = await verify(...flags, "run.json");
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
  });

  it("--help documents the transparency and keyless flags, and what a keyed run without an entry gets", () => {
    for (const flag of ["--certificate-identity ID", "--certificate-identity-regexp", "--certificate-oidc-issuer URL", "--certificate-oidc-issuer-regexp",
      "--ca-roots PEM", "--rekor-url URL", "--trusted-root FILE", "--require-tlog", "--insecure-ignore-tlog", "--insecure-ignore-sct", "SIGSTORE_TRUSTED_ROOT"])
      expect(verifyCommand.help).toContain(flag);
    expect(verifyCommand.help).toMatch(/keyed signature must have one only with --require-tlog/);
  });
});
