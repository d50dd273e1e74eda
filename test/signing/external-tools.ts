import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe } from "vitest";
import type { SignatureScheme } from "../../src/ports/signer.ts";

/**
 * Independent tools that check our signatures and keyids. With CI=true a missing tool makes the
 * suite fail (the tool's first call throws), never skip.
 */
const available = (command: string, args: ReadonlyArray<string>): boolean =>
  spawnSync(command, args, { stdio: "ignore" }).status === 0;

const tools: Readonly<Record<string, () => boolean>> = {
  openssl: () => available("openssl", ["version"]),
  "ssh-keygen": () => spawnSync("ssh-keygen", ["-?"], { stdio: "ignore" }).error === undefined,
  "python3-cryptography": () => available("python3", ["-c", "import cryptography"]),
};

export const describeWithTools = (...names: ReadonlyArray<keyof typeof tools>) =>
  names.every((name) => tools[name]?.() === true) || process.env["CI"] === "true" ? describe : describe.skip;

const withTempDir = <A>(use: (dir: string) => A): A => {
  const dir = mkdtempSync(join(tmpdir(), "chains-signing-"));
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
