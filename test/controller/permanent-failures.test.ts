import { generateKeyPairSync, verify } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../src/adapters/memory/manual-clock.ts";
import type { RunJson } from "../../src/adapters/memory/run-json.ts";
import { defaultControllerOptions } from "../../src/app/controller/run-controller.ts";
import { sampleRuns } from "../../src/app/demo/sample-runs.ts";
import { EmbeddedChains } from "../../src/app/harness/embedded-chains.ts";
import { preAuthEncoding } from "../../src/domain/dsse/pae.ts";
import { runKey, type RunRef } from "../../src/domain/run/run-ref.ts";
import { eventually, until } from "../support/until.ts";

let chains: EmbeddedChains | undefined;
afterEach(async () => {
  await chains?.stop();
  chains = undefined;
});

const eventsOn = (c: EmbeddedChains, ref: RunRef) => c.cluster.events().filter((e) => runKey(e.ref) === runKey(ref));
const retriesWritten = (c: EmbeddedChains, ref: RunRef) =>
  c.cluster
    .writes(ref)
    .map((w) => w.write.annotations?.["chains.tekton.dev/retries"])
    .filter((r) => r !== undefined);

/** A TaskRun whose provenance is too big for the 256 KiB annotation budget: one huge parameter. */
const hugeTaskRun = (): RunJson => {
  const run = structuredClone(sampleRuns().taskRuns[1]!);
  const spec = run["spec"] as { params: Array<{ name: string; value: string }> };
  spec.params = [{ name: "revision", value: "x".repeat(300 * 1024) }];
  return run;
};

const pemKey = () => {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  return { privatePem: privateKey.export({ type: "pkcs8", format: "pem" }).toString(), publicKey };
};

describe("failures that retrying cannot fix (issue 13, item 6)", () => {
  it("fails a run whose payload exceeds the annotation budget at once, with one Event", async () => {
    chains = await EmbeddedChains.start();
    const ref = chains.createRun(hugeTaskRun());
    chains.completeRun(ref);
    expect(await chains.awaitSigned(ref)).toBe("failed");
    expect(retriesWritten(chains, ref)).toEqual([]);
    const warnings = eventsOn(chains, ref).filter((e) => e.type === "Warning");
    expect(warnings.map((e) => [e.reason, e.count])).toEqual([["SigningFailed", 1]]);
    expect(warnings[0]?.message).toContain("annotations");
  });

  it("fails a run at once on key material that cannot parse, and signs it again without a restart when the Secret changes", async () => {
    const clock = new ManualClock();
    const configRefreshMs = 5_000;
    chains = await EmbeddedChains.start({
      signingSecrets: { "x509.pem": "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n" },
      clock,
      controller: { configRefreshMs },
    });
    const ref = chains.createRun(sampleRuns().taskRuns[1]!);
    chains.completeRun(ref);
    expect(await chains.awaitSigned(ref)).toBe("failed");
    expect(retriesWritten(chains, ref)).toEqual([]);
    const failed = eventsOn(chains, ref).filter((e) => e.type === "Warning");
    expect(failed.map((e) => [e.reason, e.count])).toEqual([["SigningFailed", 1]]);
    expect(failed[0]?.message).toContain("x509.pem");
    // The failure names the Secret version it is permanent for.
    expect(chains.annotations(ref)["chains.tekton.dev/failed-secrets-version"]).toBeDefined();

    // Nothing more happens while the Secret stays as it is: the run's chart waits for a new version.
    await until(() => chains!.stateOf(ref) === "awaitingNewSecrets", "the chart waiting for new secrets");
    expect(chains.annotations(ref)["chains.tekton.dev/signed"]).toBe("failed");

    const { privatePem, publicKey } = pemKey();
    chains.cluster.setSecret("x509.pem", privatePem);
    // The controller sees the new Secret at its next config refresh.
    clock.advance(configRefreshMs);
    const annotations = await eventually(() => chains!.annotations(ref), (seen) => seen["chains.tekton.dev/signed"] === "true", "the run signed again");
    expect(annotations["chains.tekton.dev/failed-secrets-version"]).toBeUndefined();
    expect(annotations["chains.tekton.dev/retries"]).toBeUndefined();
    const uid = chains.cluster.getRun(ref)!.metadata.uid!;
    const payload = Buffer.from(annotations[`chains.tekton.dev/payload-taskrun-${uid}`]!, "base64");
    const envelope = JSON.parse(Buffer.from(annotations[`chains.tekton.dev/signature-taskrun-${uid}`]!, "base64").toString());
    const sig = Buffer.from(envelope.signatures[0].sig, "base64");
    expect(verify("sha256", preAuthEncoding(envelope.payloadType, payload), publicKey, sig)).toBe(true);
  });

  it("retries a transient failure within the budget, aggregating its Events into one with a count", async () => {
    const clock = new ManualClock();
    // The durations of a cluster: the test moves time on instead of waiting for them.
    const { timing } = defaultControllerOptions;
    chains = await EmbeddedChains.start({ clock, controller: { timing } });
    chains.cluster.failNext("readSigningSecrets", 2, "injected: secret read failed");
    const ref = chains.createRun(sampleRuns().taskRuns[1]!);
    chains.completeRun(ref);
    // Each failed pass waits out a retry delay, twice as long as the one before.
    for (const delayMs of [timing.retryDelayMs, 2 * timing.retryDelayMs]) {
      await until(() => chains!.stateOf(ref) === "retrying", "a retry due");
      clock.advance(delayMs - 1);
      expect(chains.stateOf(ref)).toBe("retrying");
      clock.advance(1);
    }
    expect(await chains.awaitSigned(ref)).toBe("true");
    expect(retriesWritten(chains, ref)).toEqual(["0", "1"]);
    const retries = eventsOn(chains, ref).filter((e) => e.reason === "SigningRetry");
    expect(retries.map((e) => e.count)).toEqual([2]);
  });
});
