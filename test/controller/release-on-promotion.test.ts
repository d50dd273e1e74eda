import { afterEach, describe, expect, it } from "vitest";
import { sampleRuns } from "../../src/app/demo/sample-runs.ts";
import type { Leadership } from "../../src/app/controller/leadership.ts";
import { EmbeddedChains } from "../../src/app/harness/embedded-chains.ts";
import { InMemoryCluster } from "../../src/adapters/memory/in-memory-cluster.ts";
import { ManualClock } from "../../src/adapters/memory/manual-clock.ts";
import { completeRun } from "../../src/adapters/memory/run-completion-mutation.ts";
import { refOfJson as refOf, type RunJson } from "../../src/adapters/memory/run-json.ts";
import type { RunKind } from "../../src/domain/run/run-object.ts";
import type { RunRef } from "../../src/domain/run/run-ref.ts";
import { sampleTaskRun } from "../memory/run-fixtures.ts";
import { eventually, until } from "../support/until.ts";

let chains: EmbeddedChains | undefined;
afterEach(async () => {
  await chains?.stop();
  chains = undefined;
});

/** Leadership this test hands over when it chooses, so the order of list and promotion is fixed. */
const grantedLater = () => {
  let leading = false;
  const listeners = new Set<Parameters<Leadership["subscribe"]>[0]>();
  const leadership: Leadership = {
    leads: () => leading,
    subscribe: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  const grant = () => {
    leading = true;
    for (const kind of ["TaskRun", "PipelineRun"] as const) for (const listener of listeners) listener(kind, true, () => true);
  };
  return { leadership, grant };
};

/** Signed, as Tekton Chains leaves every run it saw: with its finalizer still on. */
const signedWithFinalizer = (run: RunJson): RunJson => ({
  ...run,
  metadata: {
    ...run.metadata,
    finalizers: [`chains.tekton.dev/${run.kind.toLowerCase()}`],
    annotations: { ...run.metadata.annotations, "chains.tekton.dev/signed": "true" },
  },
});

const untilGone = (cluster: InMemoryCluster, ref: RunRef) => until(() => cluster.getRun(ref) === undefined, `${ref.name} released`);

/**
 * Runs deleted before the controller's first list arrive in it already marked for deletion; the
 * replica that leads only after that list must still release them (the cache must not let them go
 * at `synced` or when their PipelineRun settles).
 */
describe("releasing a run deleted before this replica led", () => {
  it("releases a signed TaskRun whose deletion was in the first list, when leadership comes after that list", async () => {
    const cluster = new InMemoryCluster();
    const run = signedWithFinalizer(sampleTaskRun("signed-earlier"));
    cluster.createRun(run);
    cluster.deleteRun(refOf(run));
    const { leadership, grant } = grantedLater();
    chains = await EmbeddedChains.start({ cluster, controller: { leadership } });
    // The first list and `synced` are delivered while this replica does not lead: it writes nothing.
    await cluster.settled();
    expect(cluster.writes()).toHaveLength(0);
    // Held through \`synced\` for the release still due: the deleted run only.
    expect(chains.heldRunObjects()).toBe(1);
    grant();
    await untilGone(cluster, refOf(run));
    expect(cluster.writes(refOf(run))).toHaveLength(1);
  });

  it("releases a signed child TaskRun being deleted even though its signed PipelineRun comes later in the first list", async () => {
    const cluster = new InMemoryCluster();
    const { pipelineRun, taskRuns } = sampleRuns();
    const child = signedWithFinalizer(taskRuns[2]!);
    // Listed in creation order: the child first, then its parent, which settles and lets its children go.
    cluster.createRun(child);
    cluster.createRun(signedWithFinalizer(pipelineRun));
    cluster.deleteRun(refOf(child));
    const { leadership, grant } = grantedLater();
    chains = await EmbeddedChains.start({ cluster, controller: { leadership } });
    await cluster.settled();
    expect(cluster.writes()).toHaveLength(0);
    // Held through \`synced\` for the release still due: the deleted run only.
    expect(chains.heldRunObjects()).toBe(1);
    grant();
    await untilGone(cluster, refOf(child));
    // The parent is not being deleted: a start-up backlog costs no writes.
    expect(cluster.writes(refOf(pipelineRun))).toHaveLength(0);
  });
});

/** A run being deleted gets no further event, so nothing but the controller itself can retry its release. */
describe("releasing a run whose first release writes fail", () => {
  it("retries the release after the retry delay until the finalizer is gone", async () => {
    const clock = new ManualClock();
    const cluster = new InMemoryCluster({ clock });
    const run = signedWithFinalizer(sampleTaskRun("release-retried"));
    const ref = refOf(run);
    cluster.createRun(run);
    cluster.deleteRun(ref);
    cluster.failNext("writeRun", 3, "injected: API server unavailable");
    // A minute, as on a cluster: the test moves time on instead of waiting for it.
    const retryDelayMs = 60_000;
    chains = await EmbeddedChains.start({
      cluster,
      clock,
      controller: { timing: { retryDelayMs, maxRetryDelayMs: retryDelayMs, childWaitMs: 10 * 60_000 } },
    });
    for (let refused = 1; refused <= 3; refused++) {
      await until(() => cluster.writes(ref).length === refused && chains!.stateOf(ref) === "releaseBackoff", `release attempt ${refused} refused`);
      // The next attempt waits for the whole retry delay.
      clock.advance(retryDelayMs - 1);
      expect(chains.stateOf(ref)).toBe("releaseBackoff");
      clock.advance(1);
    }
    await untilGone(cluster, ref);
    const failed = cluster.events().filter((event) => event.reason === "FinalizerUpdateFailed");
    expect(failed.reduce((sum, event) => sum + event.count, 0)).toBe(3);
    // Three refused attempts, then the one that lands.
    expect(cluster.writes(ref)).toHaveLength(4);
  });
});

describe("signing again, after a promotion, a run failed on key material", () => {
  it("starts the chart of a run that failed on an older Secret when leadership comes, and signs it again", async () => {
    const clock = new ManualClock();
    const cluster = new InMemoryCluster({ clock });
    const base = sampleTaskRun("failed-on-old-key");
    const run: RunJson = {
      ...base,
      metadata: {
        ...base.metadata,
        annotations: { ...base.metadata.annotations, "chains.tekton.dev/signed": "failed", "chains.tekton.dev/failed-secrets-version": "0" },
      },
    };
    cluster.createRun(run);
    cluster.updateRun(refOf(run), completeRun("True", new Date()));
    const { leadership, grant } = grantedLater();
    const configRefreshMs = 5_000;
    // The harness puts a fresh key in signing-secrets: version 1, not the version the run failed on.
    chains = await EmbeddedChains.start({ cluster, clock, controller: { leadership, configRefreshMs } });
    await cluster.settled();
    expect(cluster.writes()).toHaveLength(0);
    grant();
    // Its chart learns the Secret's version at the next config refresh.
    await until(() => chains!.stateOf(refOf(run)) === "awaitingNewSecrets", "the chart waiting for a new Secret");
    clock.advance(configRefreshMs);
    await eventually(() => chains!.annotations(refOf(run)), (annotations) => annotations["chains.tekton.dev/signed"] === "true", "the run signed again");
    expect(chains.annotations(refOf(run))["chains.tekton.dev/failed-secrets-version"]).toBeUndefined();
  });
});
