// The README's embedding example, kept here so it cannot go stale.
import { expect, it } from "vitest";
import { EmbeddedChains } from "../../src/app/harness/embedded-chains.ts";
import { sampleRuns } from "../../src/app/demo/sample-runs.ts";

it("signs a TaskRun", async () => {
  const chains = await EmbeddedChains.start();
  const ref = chains.createRun(sampleRuns().taskRuns[0]!);
  chains.completeRun(ref);
  expect(await chains.awaitSigned(ref)).toBe("true");
  await chains.stop();
});
