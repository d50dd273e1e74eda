// Copied into a fresh project that installed the packed chains-ts (test/package/library-package.test.ts):
// what another project's integration test looks like, using only `chains-ts/harness`.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { EmbeddedChains } from "chains-ts/harness";

const uid = "0b5e4c1a-6d1f-4e0b-9a57-3c2f1e8d7a10";
const taskRun = {
  apiVersion: "tekton.dev/v1",
  kind: "TaskRun",
  metadata: { name: "unit-tests", namespace: "ci", uid },
  spec: { taskRef: { name: "unit-tests" } },
  status: { startTime: "2026-11-23T09:00:00Z", conditions: [{ type: "Succeeded", status: "Unknown", reason: "Running" }] },
};

/** `openssl dgst -verify` over the DSSE pre-authentication encoding of the envelope's payload. */
const opensslVerifiesEnvelope = (publicKeyPem, envelope) => {
  const payload = Buffer.from(envelope.payload, "base64");
  const pae = Buffer.concat([
    Buffer.from(`DSSEv1 ${Buffer.byteLength(envelope.payloadType)} ${envelope.payloadType} ${payload.length} `),
    payload,
  ]);
  const dir = mkdtempSync(join(tmpdir(), "consumer-verify-"));
  try {
    writeFileSync(join(dir, "key.pem"), publicKeyPem);
    writeFileSync(join(dir, "pae"), pae);
    writeFileSync(join(dir, "sig"), Buffer.from(envelope.signatures[0].sig, "base64"));
    return execFileSync("openssl", ["dgst", "-sha256", "-verify", join(dir, "key.pem"), "-signature", join(dir, "sig"), join(dir, "pae")], {
      encoding: "utf8",
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

it("signs a completed TaskRun with a DSSE envelope that openssl verifies", async () => {
  const chains = await EmbeddedChains.start();
  try {
    const ref = chains.createRun(taskRun);
    chains.completeRun(ref);
    expect(await chains.awaitSigned(ref)).toBe("true");

    const signature = chains.annotations(ref)[`chains.tekton.dev/signature-taskrun-${uid}`];
    const envelope = JSON.parse(Buffer.from(signature, "base64").toString("utf8"));
    expect(envelope.payloadType).toBe("application/vnd.in-toto+json");
    expect(JSON.parse(Buffer.from(envelope.payload, "base64").toString("utf8")).predicate.buildType).toBe("tekton.dev/v1/TaskRun");
    expect(opensslVerifiesEnvelope(chains.publicKeyPem, envelope)).toContain("Verified OK");
  } finally {
    await chains.stop();
  }
});
