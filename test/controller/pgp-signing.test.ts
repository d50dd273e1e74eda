import { afterAll, beforeAll, expect, it } from "vitest";
import { sampleRuns } from "../../src/app/demo/sample-runs.ts";
import { EmbeddedChains } from "../../src/app/harness/embedded-chains.ts";
import { describeWithTools, type GpgHome, makeGpgHome } from "../support/independent-verifiers.ts";

describeWithTools("gpg")("PGP signing through the controller (seed 001)", () => {
  let gpg: GpgHome;
  beforeAll(async () => {
    gpg = await makeGpgHome();
  });
  afterAll(async () => gpg.close());

  it("stores a detached signature over the payload itself, which gpg --verify accepts", async () => {
    const privateKey = await gpg.generateKey("chains@example.com", "ed25519", "");
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
        const payload = Buffer.from(annotations[`chains.tekton.dev/payload-${key}`]!, "base64");
        const signature = Buffer.from(annotations[`chains.tekton.dev/signature-${key}`]!, "base64");
        const verdict = await gpg.verify(signature, payload);
        expect(verdict.output).toContain("GOODSIG");
        expect(verdict.ok).toBe(true);
      }
    } finally {
      await chains.stop();
    }
  });
});
