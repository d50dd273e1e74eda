import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, expect, it } from "vitest";
import { describeWithCommands } from "../support/require-tools.ts";
import { sampleRuns } from "../../src/app/demo/sample-runs.ts";
import { EmbeddedChains } from "../../src/app/harness/embedded-chains.ts";

const run = promisify(execFile);

const home = mkdtempSync(join(tmpdir(), "chains-pgp-"));
const gpg = (...args: string[]) => run("gpg", ["--homedir", home, "--batch", "--pinentry-mode", "loopback", ...args]);
afterAll(async () => {
  await run("gpgconf", ["--homedir", home, "--kill", "gpg-agent"]).catch(() => undefined);
  rmSync(home, { recursive: true, force: true });
});

// With CI=true a missing gpg makes this fail instead of skipping.
describeWithCommands("gpg")("PGP signing through the controller (seed 001)", () => {
  it("stores a detached signature over the payload itself, which gpg --verify accepts", async () => {
    await gpg("--passphrase", "", "--quick-gen-key", "chains@example.com", "ed25519", "sign", "never");
    const { stdout: privateKey } = await gpg("--passphrase", "", "--armor", "--export-secret-keys", "chains@example.com");
    const chains = await EmbeddedChains.start({
      config: { "artifacts.taskrun.signer": "pgp", "artifacts.oci.signer": "pgp", "artifacts.oci.storage": "tekton" },
      signingSecrets: { "pgp.private-key": privateKey },
    });
    try {
      const ref = chains.createRun(sampleRuns().taskRuns[0]!);
      chains.completeRun(ref);
      expect(await chains.awaitSigned(ref)).toBe("true");
      const annotations = chains.annotations(ref);
      const keys = Object.keys(annotations)
        .filter((k) => k.startsWith("chains.tekton.dev/payload-"))
        .map((k) => k.slice("chains.tekton.dev/payload-".length));
      expect(keys).toHaveLength(2); // the TaskRun provenance and the image
      for (const key of keys) {
        const dir = mkdtempSync(join(tmpdir(), "chains-pgp-sig-"));
        writeFileSync(join(dir, "payload"), Buffer.from(annotations[`chains.tekton.dev/payload-${key}`]!, "base64"));
        writeFileSync(join(dir, "signature"), Buffer.from(annotations[`chains.tekton.dev/signature-${key}`]!, "base64"));
        const { stdout } = await gpg("--status-fd", "1", "--verify", join(dir, "signature"), join(dir, "payload"));
        expect(stdout).toContain("GOODSIG");
        rmSync(dir, { recursive: true, force: true });
      }
    } finally {
      await chains.stop();
    }
  });
});
