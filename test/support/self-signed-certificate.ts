import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A P-256 key and a self-signed certificate for it, made by openssl; `extensions` as `-addext` takes them. */
export const selfSignedEcCertificate = (subject: string, extensions: ReadonlyArray<string> = []): { keyPem: string; certPem: string } => {
  const dir = mkdtempSync(join(tmpdir(), "chains-ts-cert-"));
  try {
    execFileSync(
      "openssl",
      [
        "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
        "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem"),
        "-days", "1", "-subj", subject, ...extensions.flatMap((extension) => ["-addext", extension]),
      ],
      { stdio: "pipe" },
    );
    return { keyPem: readFileSync(join(dir, "key.pem"), "utf8"), certPem: readFileSync(join(dir, "cert.pem"), "utf8") };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};
