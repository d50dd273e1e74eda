/** Signature and fingerprint checks by independent tools (openssl, ssh-keygen), for the KMS tests. */
import { execFile } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { promisify } from "node:util";
import { describe } from "vitest";

const run = promisify(execFile);

const onPath = (command: string): boolean =>
  (process.env["PATH"] ?? "").split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, command), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });

/** `describe`, or `describe.skip` when openssl/ssh-keygen are missing, except with CI=true, where the tests then fail. */
export const describeWithTools =
  (onPath("openssl") && onPath("ssh-keygen")) || process.env["CI"] === "true"
    ? describe
    : describe.skip;

const withFiles = async <A>(files: Record<string, string | Uint8Array>, use: (dir: string) => Promise<A>): Promise<A> => {
  const dir = await mkdtemp(join(tmpdir(), "chains-kms-verify-"));
  try {
    await Promise.all(Object.entries(files).map(([name, content]) => writeFile(join(dir, name), content)));
    return await use(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
};

/**
 * True when openssl accepts the signature: `openssl dgst -<hash> -verify` (ECDSA, RSA PKCS#1 v1.5),
 * or for `"ed25519"` `openssl pkeyutl -verify -rawin` (pure Ed25519 has no separate digest).
 */
export const opensslVerifies = (
  publicKeyPem: string,
  signature: Uint8Array,
  payload: Uint8Array,
  hash: "sha256" | "sha384" | "ed25519" = "sha256",
) =>
  withFiles({ "key.pem": publicKeyPem, sig: signature, payload }, async (dir) => {
    const [key, sig, data] = [join(dir, "key.pem"), join(dir, "sig"), join(dir, "payload")];
    const args =
      hash === "ed25519"
        ? ["pkeyutl", "-verify", "-pubin", "-inkey", key, "-rawin", "-in", data, "-sigfile", sig]
        : ["dgst", `-${hash}`, "-verify", key, "-signature", sig, data];
    const output = await run("openssl", args).then(
      ({ stdout }) => stdout,
      (error: { stdout?: string }) => error.stdout ?? "",
    );
    return /^Signature Verified Successfully$|^Verified OK$/.test(output.trim());
  });

/** The `SHA256:…` fingerprint `ssh-keygen -l -E sha256` prints for an SPKI PEM public key. */
export const sshKeygenFingerprint = (publicKeyPem: string) =>
  withFiles({ "key.pem": publicKeyPem }, async (dir) => {
    const { stdout: openssh } = await run("ssh-keygen", ["-i", "-m", "PKCS8", "-f", join(dir, "key.pem")]);
    await writeFile(join(dir, "key.pub"), openssh);
    const { stdout } = await run("ssh-keygen", ["-l", "-E", "sha256", "-f", join(dir, "key.pub")]);
    const fingerprint = stdout.split(" ")[1];
    if (fingerprint === undefined || !fingerprint.startsWith("SHA256:")) throw new Error(`unexpected ssh-keygen output: ${stdout}`);
    return fingerprint;
  });
