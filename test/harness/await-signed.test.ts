import { afterEach, expect, it, vi } from "vitest";
import { EmbeddedChains } from "../../src/app/harness/embedded-chains.ts";
import { sampleRuns } from "../../src/app/demo/sample-runs.ts";

let chains: EmbeddedChains | undefined;
afterEach(async () => {
  vi.useRealTimers();
  await chains?.stop();
  chains = undefined;
});

it("resolves with the write that sets signed, and at once for a run already signed", async () => {
  chains = await EmbeddedChains.start();
  const ref = chains.createRun(sampleRuns().taskRuns[0]!);
  const awaited = chains.awaitSigned(ref);
  chains.completeRun(ref);
  expect(await awaited).toBe("true");
  expect(chains.annotations(ref)["chains.tekton.dev/signed"]).toBe("true");
  expect(await chains.awaitSigned(ref, 0)).toBe("true");
});

it("resolves once the controller that signed the run has settled it (its hooks have run)", async () => {
  const settled: Array<string> = [];
  chains = await EmbeddedChains.start({ hooks: { onSettled: (ref, outcome) => void settled.push(`${ref.name} ${outcome}`) } });
  const ref = chains.createRun(sampleRuns().taskRuns[0]!);
  chains.completeRun(ref);
  expect(await chains.awaitSigned(ref)).toBe("true");
  expect(settled).toEqual([`${ref.name} annotated`]);
});

it("resolves with failed when signing gives up", async () => {
  // A key the signer cannot use: a permanent failure, recorded as signed=failed.
  chains = await EmbeddedChains.start({ signingSecrets: { "x509.pem": "not a key" } });
  const ref = chains.createRun(sampleRuns().taskRuns[0]!);
  chains.completeRun(ref);
  expect(await chains.awaitSigned(ref)).toBe("failed");
});

it("rejects naming the run when its deadline passes unsigned", async () => {
  chains = await EmbeddedChains.start();
  const ref = chains.createRun(sampleRuns().taskRuns[0]!);
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
  const awaited = chains.awaitSigned(ref, 1_000);
  vi.advanceTimersByTime(1_000);
  await expect(awaited).rejects.toThrow(`TaskRun ${ref.namespace}/${ref.name} not signed within 1000 ms`);
});
