/** Independent tools (openssl, ssh-keygen, gpg, kubectl) that make keys and check what we produce. */
import { execFile, execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe } from "vitest";
import type { SignatureScheme } from "../../src/ports/signer.ts";

const exitsZero = (command: string, args: ReadonlyArray<string>): boolean =>
  spawnSync(command, args, { stdio: "ignore" }).status === 0;

const tools = {
  openssl: () => exitsZero("openssl", ["version"]),
  // ssh-keygen has no version flag; `-?` prints usage and exits 1, so only "it ran" counts.
  "ssh-keygen": () => spawnSync("ssh-keygen", ["-?"], { stdio: "ignore" }).error === undefined,
  gpg: () => exitsZero("gpg", ["--version"]),
  "python3-cryptography": () => exitsZero("python3", ["-c", "import cryptography"]),
  kubectl: () => exitsZero("kubectl", ["version", "--client"]),
} as const satisfies Readonly<Record<string, () => boolean>>;

type IndependentTool = keyof typeof tools;

/**
 * `describe` when every tool is installed, `describe.skip` otherwise — except with CI=true, where
 * the tests run (and fail at the tool's first call) so that a missing tool is never a silent skip.
 */
export const describeWithTools = (...names: ReadonlyArray<IndependentTool>) =>
  names.every((name) => tools[name]()) || process.env["CI"] === "true" ? describe : describe.skip;

const withTempDir = <A>(use: (dir: string) => A): A => {
  const dir = mkdtempSync(join(tmpdir(), "chains-verify-"));
  try {
    return use(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

/** Runs openssl; stdout as bytes, throws (with stderr) on a non-zero exit. */
export const openssl = (args: ReadonlyArray<string>, input?: Uint8Array): Buffer =>
  execFileSync("openssl", args, { input, stdio: ["pipe", "pipe", "pipe"] });

/** A fresh private key made by `openssl genpkey` (PKCS#8 PEM), e.g. `["-algorithm", "EC", …]`. */
export const opensslKey = (genpkeyArgs: ReadonlyArray<string>): string =>
  openssl(["genpkey", ...genpkeyArgs]).toString("utf8");

/** The PKCS#8 DER of a PEM private key, converted by openssl. */
export const opensslPkcs8Der = (privatePem: string): Uint8Array =>
  new Uint8Array(openssl(["pkcs8", "-topk8", "-nocrypt", "-outform", "DER"], Buffer.from(privatePem)));

/** SPKI PEM public key of a private key, as openssl derives it. */
export const opensslPublicKey = (privatePem: string): string =>
  openssl(["pkey", "-pubout"], Buffer.from(privatePem)).toString("utf8");

const digestFlag: Partial<Record<SignatureScheme, string>> = {
  "ecdsa-sha256": "-sha256",
  "ecdsa-sha384": "-sha384",
  "ecdsa-sha512": "-sha512",
  "rsa-pkcs1v15-sha256": "-sha256",
};

/**
 * Whether openssl accepts `signature` over `data` with this public key: `openssl dgst -verify` for
 * ECDSA/RSA, `openssl pkeyutl -verify -rawin` for Ed25519. OpenSSL 3.0 has no Ed25519ph.
 */
export const opensslVerifies = (input: {
  readonly publicKeyPem: string;
  readonly scheme: SignatureScheme;
  readonly data: Uint8Array;
  readonly signature: Uint8Array;
}): boolean =>
  withTempDir((dir) => {
    const [pub, data, sig] = ["pub.pem", "data", "sig"].map((f) => join(dir, f)) as [string, string, string];
    writeFileSync(pub, input.publicKeyPem);
    writeFileSync(data, input.data);
    writeFileSync(sig, input.signature);
    const digest = digestFlag[input.scheme];
    const args =
      digest !== undefined
        ? ["dgst", digest, "-verify", pub, "-signature", sig, data]
        : input.scheme === "ed25519"
          ? ["pkeyutl", "-verify", "-pubin", "-inkey", pub, "-rawin", "-in", data, "-sigfile", sig]
          : undefined;
    if (args === undefined) throw new Error(`openssl cannot verify ${input.scheme}`);
    const result = spawnSync("openssl", args, { encoding: "utf8" });
    if (result.error !== undefined) throw result.error;
    return result.status === 0 && /Verified OK|Signature Verified Successfully/.test(result.stdout);
  });

const fingerprintOfOpenSshLine = (dir: string, line: string): string => {
  const file = join(dir, "key.pub");
  writeFileSync(file, line);
  const out = execFileSync("ssh-keygen", ["-l", "-E", "sha256", "-f", file]).toString("utf8");
  const fingerprint = out.split(" ")[1];
  if (fingerprint === undefined || !fingerprint.startsWith("SHA256:")) throw new Error(`unexpected ssh-keygen output: ${out}`);
  return fingerprint;
};

/**
 * `ssh-keygen -l -E sha256` of a PKIX public key, converted with `ssh-keygen -i -m PKCS8`. OpenSSH
 * 9.2 cannot import Ed25519 PKCS#8, so for Ed25519 python's `cryptography` writes the OpenSSH line.
 */
export const sshKeygenFingerprint = (publicKeyPem: string): string =>
  withTempDir((dir) => {
    const pub = join(dir, "pub.pem");
    writeFileSync(pub, publicKeyPem);
    const converted = spawnSync("ssh-keygen", ["-i", "-m", "PKCS8", "-f", pub], { encoding: "utf8" });
    if (converted.error !== undefined) throw converted.error;
    if (converted.status === 0) return fingerprintOfOpenSshLine(dir, converted.stdout);
    const line = execFileSync(
      "python3",
      [
        "-c",
        "import sys; from cryptography.hazmat.primitives import serialization as s; " +
          "k = s.load_pem_public_key(open(sys.argv[1], 'rb').read()); " +
          "sys.stdout.write(k.public_bytes(s.Encoding.OpenSSH, s.PublicFormat.OpenSSH).decode())",
        pub,
      ],
      { encoding: "utf8" },
    );
    return fingerprintOfOpenSshLine(dir, line);
  });

const run = promisify(execFile);

/** A throw-away gpg home: keys made by gpg itself, signatures checked by `gpg --verify`. */
export interface GpgHome {
  /** `gpg --quick-gen-key` (as users made keys), then the armored secret key. */
  readonly generateKey: (uid: string, algo: string, passphrase: string) => Promise<string>;
  /** The armored public key only. */
  readonly exportPublicKey: (uid: string) => Promise<string>;
  /** `gpg --status-fd 1 --verify signature payload`: whether gpg accepted it, and what it said. */
  readonly verify: (signature: Uint8Array, payload: Uint8Array) => Promise<{ readonly ok: boolean; readonly output: string }>;
  /** Stops the gpg-agent key generation started, so nothing outlives the tests, and removes the home. */
  readonly close: () => Promise<void>;
}

export const makeGpgHome = async (): Promise<GpgHome> => {
  const home = await mkdtemp(join(tmpdir(), "chains-gpg-"));
  const gpg = (...args: string[]) => run("gpg", ["--homedir", home, "--batch", "--pinentry-mode", "loopback", ...args]);
  return {
    generateKey: async (uid, algo, passphrase) => {
      await gpg("--passphrase", passphrase, "--quick-gen-key", uid, algo, "sign", "never");
      return (await gpg("--passphrase", passphrase, "--armor", "--export-secret-keys", uid)).stdout;
    },
    exportPublicKey: async (uid) => (await gpg("--armor", "--export", uid)).stdout,
    verify: async (signature, payload) => {
      const dir = await mkdtemp(join(home, "verify-"));
      await writeFile(join(dir, "signature"), signature);
      await writeFile(join(dir, "payload"), payload);
      return gpg("--status-fd", "1", "--verify", join(dir, "signature"), join(dir, "payload")).then(
        ({ stdout, stderr }) => ({ ok: true, output: stdout + stderr }),
        (error: { stdout?: string; stderr?: string }) => ({ ok: false, output: `${error.stdout ?? ""}${error.stderr ?? ""}` }),
      );
    },
    close: async () => {
      await run("gpgconf", ["--homedir", home, "--kill", "all"]).catch(() => undefined);
      await rm(home, { recursive: true, force: true });
    },
  };
};
