import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Effect } from "effect";
import { afterEach, describe, expect, it } from "vitest";
import { readSigningSecretsDirectory } from "../../src/adapters/files/signing-secrets-directory.ts";

let dir = "";
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A Secret mounted the way the kubelet does it: `..data` → timestamped dir, names → `..data/name`. */
const mountSecret = (files: Record<string, string>): string => {
  dir = mkdtempSync(join(tmpdir(), "signing-secrets-"));
  const data = join(dir, "..2026_11_23_10_00_00.1");
  mkdirSync(data);
  for (const [name, content] of Object.entries(files)) writeFileSync(join(data, name), content);
  symlinkSync(data, join(dir, "..data"));
  for (const name of Object.keys(files)) symlinkSync(join("..data", name), join(dir, name));
  return dir;
};

describe("signing secrets from a mounted directory", () => {
  it("reads the files by the Secret's key names, skipping the kubelet's dot entries", async () => {
    const snapshot = await Effect.runPromise(readSigningSecretsDirectory(mountSecret({ "cosign.key": "K", "cosign.password": "p\n" })));
    expect([...snapshot.files.keys()]).toEqual(["cosign.key", "cosign.password"]);
    expect(Buffer.from(snapshot.files.get("cosign.password")!).toString()).toBe("p\n");
  });

  it("changes version when a file's content changes, and only then", async () => {
    const mounted = mountSecret({ "x509.pem": "one" });
    const first = await Effect.runPromise(readSigningSecretsDirectory(mounted));
    const again = await Effect.runPromise(readSigningSecretsDirectory(mounted));
    writeFileSync(join(mounted, "x509.pem"), "two");
    const changed = await Effect.runPromise(readSigningSecretsDirectory(mounted));
    expect(again.version).toBe(first.version);
    expect(changed.version).not.toBe(first.version);
  });

  it("follows the kubelet's atomic update: a swapped ..data, a removed key left as a dangling link", async () => {
    const mounted = mountSecret({ "cosign.key": "K", "cosign.password": "p" });
    const before = await Effect.runPromise(readSigningSecretsDirectory(mounted));
    // The kubelet writes the new contents beside the old, then renames a new ..data link over the old one.
    const next = join(mounted, "..2026_11_23_10_05_00.2");
    mkdirSync(next);
    writeFileSync(join(next, "cosign.key"), "K2");
    symlinkSync(next, join(mounted, "..data_tmp"));
    renameSync(join(mounted, "..data_tmp"), join(mounted, "..data"));
    const after = await Effect.runPromise(readSigningSecretsDirectory(mounted));
    expect([...after.files.keys()]).toEqual(["cosign.key"]);
    expect(Buffer.from(after.files.get("cosign.key")!).toString()).toBe("K2");
    expect(after.version).not.toBe(before.version);
  });

  it("names the directory when it does not exist", async () => {
    dir = mkdtempSync(join(tmpdir(), "signing-secrets-"));
    const error = await Effect.runPromise(Effect.flip(readSigningSecretsDirectory(join(dir, "missing"))));
    expect(error).toMatchObject({ _tag: "SecretsDirectoryUnreadable", reason: "no such directory" });
    expect(error.directory).toContain("missing");
  });
});
