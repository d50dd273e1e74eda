import { generateKeyPairSync } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { sampleRuns } from "../../src/app/demo/sample-runs.ts";
import { EmbeddedChains } from "../../src/app/harness/embedded-chains.ts";

const keyFiles = fc.oneof(
  fc.record({ "x509.pem": fc.uint8Array({ minLength: 1, maxLength: 200 }) }),
  fc.record({
    "cosign.key": fc.uint8Array({ minLength: 1, maxLength: 200 }),
    "cosign.password": fc.uint8Array({ maxLength: 20 }),
  }),
  fc.record({
    "x509.pem": fc.constantFrom("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", "-----BEGIN PRIVATE KEY-----\n"),
  }),
);

describe("bad signing material", () => {
  // Whatever bytes sit in signing-secrets, the controller keeps running, never marks a run signed
  // without a usable key, and never repeats the key bytes in the Events it records.
  it("fails the run with a reason and keeps the controller alive", async () => {
    await fc.assert(
      fc.asyncProperty(keyFiles, async (files) => {
        const chains = await EmbeddedChains.start({ signingSecrets: files });
        try {
          const ref = chains.createRun(sampleRuns().taskRuns[1]!);
          chains.completeRun(ref);
          expect(await chains.awaitSigned(ref)).toBe("failed");
          const messages = chains.cluster.events().map((e) => e.message);
          expect(messages.some((m) => /x509\.pem|cosign\.key|cosign\.password/.test(m))).toBe(true);
          for (const bytes of Object.values(files)) {
            const text = Buffer.from(bytes).toString("utf8");
            if (text.length >= 8) for (const m of messages) expect(m).not.toContain(text);
          }
          // Still alive: a good key now signs the next run without a restart.
          const goodKey = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey;
          chains.cluster.setSecret("x509.pem", goodKey.export({ type: "pkcs8", format: "pem" }).toString());
          chains.cluster.deleteSecret("cosign.key");
          const template = sampleRuns().taskRuns[1]!;
          const next = chains.createRun({ ...template, metadata: { ...template.metadata, name: "next" } });
          chains.completeRun(next);
          expect(await chains.awaitSigned(next)).toBe("true");
        } finally {
          await chains.stop();
        }
      }),
      { numRuns: 15 },
    );
  });
});
