import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, expect, it } from "vitest";
import { runDemo } from "../../src/app/demo/demo-run.ts";
import { conformanceKey } from "../signing/signing-fixtures.ts";
import { describeWithTools } from "../support/independent-verifiers.ts";

const dirs: Array<string> = [];
const freshDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), "chains-demo-"));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Runs the demo, keeping what it printed. */
const demo = async (options: { readonly secrets?: ReadonlyMap<string, Uint8Array> } = {}) => {
  const outDir = freshDir();
  const printed: Array<string> = [];
  const { outcomes } = await runDemo({
    outDir,
    print: (line) => printed.push(line),
    ...(options.secrets === undefined ? {} : { signingSecrets: options.secrets }),
  });
  return { outDir, printed, outcomes };
};

/** The openssl command line the demo tells the user to run, split into its arguments. */
const printedOpensslCommand = (printed: ReadonlyArray<string>): Array<string> => {
  const line = printed.map((l) => l.trim()).find((l) => l.startsWith("openssl dgst"));
  if (line === undefined) throw new Error(`the demo printed no openssl command:\n${printed.join("\n")}`);
  return line.split(/\s+/);
};

/** Runs a command line: its exit status and what it printed. */
const run = ([command, ...args]: ReadonlyArray<string>) => {
  const { status, stdout, stderr, error } = spawnSync(command!, args, { encoding: "utf8" });
  if (error !== undefined) throw error;
  return { status, output: `${stdout}${stderr}`.trim() };
};
const verified = { status: 0, output: "Verified OK" };

const flipByte = (file: string, index: number): void => {
  const bytes = readFileSync(file);
  bytes.writeUInt8(bytes.readUInt8(index) ^ 0x01, index);
  writeFileSync(file, bytes);
};

describeWithTools("openssl")("chains-ts demo", () => {
  it("signs every sample run, and its output verifies with the openssl command it prints", async () => {
    const { outDir, printed, outcomes } = await demo();
    expect(outcomes).toHaveLength(5);
    expect(outcomes.map((o) => o.signed)).toEqual(outcomes.map(() => "true"));
    for (const { ref } of outcomes)
      expect(printed.some((line) => line.includes(`${ref.kind} ${ref.namespace}/${ref.name}`) && line.includes("chains.tekton.dev/signed=true"))).toBe(true);

    const command = printedOpensslCommand(printed);
    expect(command).toEqual([
      "openssl", "dgst", "-sha256",
      "-verify", join(outDir, "cosign.pub"),
      "-signature", join(outDir, "build-image.pae.sig"),
      join(outDir, "build-image.pae"),
    ]);
    expect(run(command)).toEqual(verified);

    // The same command must refuse the payload once a single bit of it has changed.
    const pae = join(outDir, "build-image.pae");
    flipByte(pae, readFileSync(pae).length - 2);
    expect(run(command)).toEqual({ status: 1, output: expect.stringMatching(/Verification failure/) });
  });

  it("writes an image signature that openssl verifies over the simplesigning payload", async () => {
    const { outDir } = await demo();
    const der = join(outDir, "image.sig.der");
    writeFileSync(der, Buffer.from(readFileSync(join(outDir, "image.sig"), "utf8"), "base64"));
    const verify = () =>
      run(["openssl", "dgst", "-sha256", "-verify", join(outDir, "cosign.pub"), "-signature", der, join(outDir, "image.payload.json")]);
    expect(verify()).toEqual(verified);
    flipByte(join(outDir, "image.payload.json"), 0);
    expect(verify()).toEqual({ status: 1, output: expect.stringMatching(/Verification failure/) });
  });

  it("signs with the user's cosign key from a secrets directory; openssl verifies with their cosign.pub", async () => {
    const secrets = new Map(["cosign.key", "cosign.password", "cosign.pub"].map((name) => [name, conformanceKey(name)] as const));
    const { outDir, printed, outcomes } = await demo({ secrets });
    expect(outcomes.map((o) => o.signed)).toEqual(outcomes.map(() => "true"));
    expect(new Uint8Array(readFileSync(join(outDir, "cosign.pub")))).toEqual(conformanceKey("cosign.pub"));
    expect(run(printedOpensslCommand(printed))).toEqual(verified);
  });
});
