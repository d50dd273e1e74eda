import { createPublicKey, verify } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../src/adapters/memory/manual-clock.ts";
import { EmbeddedChains } from "../../src/app/harness/embedded-chains.ts";
import { sampleRuns } from "../../src/app/demo/sample-runs.ts";
import { preAuthEncoding } from "../../src/domain/dsse/pae.ts";
import { until } from "../support/until.ts";

let chains: EmbeddedChains | undefined;
afterEach(async () => {
  await chains?.stop();
  chains = undefined;
});

const b64 = (text: string | undefined) => Buffer.from(text ?? "", "base64");

describe("embedded controller", () => {
  it("signs a completed TaskRun in one final write with a DSSE envelope that verifies", async () => {
    chains = await EmbeddedChains.start();
    const ref = chains.createRun(sampleRuns().taskRuns[0]!);
    chains.completeRun(ref);
    expect(await chains.awaitSigned(ref)).toBe("true");
    const annotations = chains.annotations(ref);
    const uid = chains.cluster.getRun(ref)!.metadata.uid!;
    const payload = b64(annotations[`chains.tekton.dev/payload-taskrun-${uid}`]);
    const envelope = JSON.parse(b64(annotations[`chains.tekton.dev/signature-taskrun-${uid}`]).toString());
    expect(Buffer.from(envelope.payload, "base64").equals(payload)).toBe(true);
    const pae = preAuthEncoding(envelope.payloadType, payload);
    const key = createPublicKey(chains.publicKeyPem);
    expect(verify("sha256", pae, key, Buffer.from(envelope.signatures[0].sig, "base64"))).toBe(true);
    expect(annotations["chains.tekton.dev/cert-taskrun-" + uid]).toBe("");
    // The finalizer write and the final write: no more.
    const writes = chains.cluster.writes(ref).filter((w) => w.outcome === "applied");
    expect(writes.length).toBeLessThanOrEqual(2);
    expect(chains.cluster.getRun(ref)!.metadata.finalizers ?? []).not.toContain("chains.tekton.dev/taskrun");
  });

  it("marks a run failed at once when no key is configured (until the Secret changes), never signed", async () => {
    chains = await EmbeddedChains.start({ signingSecrets: {} });
    const ref = chains.createRun(sampleRuns().taskRuns[1]!);
    chains.completeRun(ref, false);
    expect(await chains.awaitSigned(ref)).toBe("failed");
    const retriesWritten = chains.cluster
      .writes(ref)
      .map((w) => w.write.annotations?.["chains.tekton.dev/retries"])
      .filter((r) => r !== undefined);
    expect(retriesWritten).toEqual([]);
    expect(chains.cluster.events().some((e) => e.reason === "SigningFailed" && e.message.includes("x509.pem"))).toBe(true);
    expect(chains.annotations(ref)["chains.tekton.dev/failed-secrets-version"]).toBeDefined();
  });

  it("signs a PipelineRun after its child TaskRuns", async () => {
    // Time stands still: the PipelineRun's bounded wait for its children cannot run out.
    chains = await EmbeddedChains.start({ clock: new ManualClock() });
    const { taskRuns, pipelineRun } = sampleRuns();
    const pr = chains.createRun(pipelineRun);
    const children = taskRuns.slice(2).map((t) => chains!.createRun(t));
    chains.completeRun(pr);
    // The PipelineRun's chart parks until its children complete: nothing is signed meanwhile.
    await until(() => chains!.stateOf(pr) === "awaitingChildren", "the chart waiting for the children");
    expect(chains.annotations(pr)["chains.tekton.dev/signed"]).toBeUndefined();
    for (const child of children) chains.completeRun(child);
    expect(await chains.awaitSigned(pr)).toBe("true");
    for (const child of children) expect(chains.annotations(child)["chains.tekton.dev/signed"]).toBe("true");
  });

  it("releases a deleted run that Tekton Chains signed before us, without writing anything else", async () => {
    chains = await EmbeddedChains.start();
    const run = structuredClone(sampleRuns().taskRuns[1]!);
    run.metadata.annotations = { "chains.tekton.dev/signed": "true" };
    run.metadata.finalizers = ["chains.tekton.dev/taskrun", "example.com/keep"];
    const ref = chains.createRun(run);
    chains.completeRun(ref);
    chains.cluster.deleteRun(ref);
    await until(() => chains!.cluster.getRun(ref)?.metadata.finalizers?.includes("chains.tekton.dev/taskrun") !== true, "the chains finalizer released");
    const left = chains.cluster.getRun(ref);
    expect(left?.metadata.finalizers).toEqual(["example.com/keep"]);
    expect(left?.metadata.annotations).toEqual({ "chains.tekton.dev/signed": "true" });
  });
});
