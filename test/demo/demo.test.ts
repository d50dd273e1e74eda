import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { runDemo } from "../../src/app/demo/demo-run.ts";
import { describeWithTools } from "../signing/external-tools.ts";

const out = mkdtempSync(join(tmpdir(), "chains-demo-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));

const opensslVerify = (pae: string): string =>
  execFileSync(
    "openssl",
    ["dgst", "-sha256", "-verify", join(out, "cosign.pub"), "-signature", join(out, "build-image.pae.sig"), pae],
    { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] },
  );

describeWithTools("openssl")("chains-ts demo", () => {
  it("signs every sample run, and its output verifies with openssl exactly as it tells the user", async () => {
    const printed: Array<string> = [];
    const { outcomes } = await runDemo({ outDir: out, print: (line) => printed.push(line) });
    expect(outcomes.map((o) => o.signed)).toEqual(outcomes.map(() => "true"));
    expect(printed.some((line) => line.includes("openssl dgst -sha256 -verify"))).toBe(true);
    expect(opensslVerify(join(out, "build-image.pae"))).toContain("Verified OK");

    const tampered = readFileSync(join(out, "build-image.pae"));
    tampered.writeUInt8(tampered.readUInt8(tampered.length - 2) ^ 0x01, tampered.length - 2);
    writeFileSync(join(out, "tampered.pae"), tampered);
    expect(() => opensslVerify(join(out, "tampered.pae"))).toThrow(/Command failed/);
  });

  it("signs with the user's cosign key from a secrets directory; openssl verifies with their cosign.pub", async () => {
    const keys = join(import.meta.dirname, "../../../shared/conformance/keys");
    const secrets = new Map(
      ["cosign.key", "cosign.password", "cosign.pub"].map((name) => [name, new Uint8Array(readFileSync(join(keys, name)))] as const),
    );
    const { outcomes } = await runDemo({ outDir: out, signingSecrets: secrets, print: () => undefined });
    expect(outcomes.every((o) => o.signed === "true")).toBe(true);
    expect(readFileSync(join(out, "cosign.pub"), "utf8")).toBe(readFileSync(join(keys, "cosign.pub"), "utf8"));
    expect(opensslVerify(join(out, "build-image.pae"))).toContain("Verified OK");
  });
});
