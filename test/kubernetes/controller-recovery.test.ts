import { Effect } from "effect";
import { afterEach, describe, expect, it } from "vitest";
import { EmulatedChains, plainTaskRun } from "./emulated-chains.ts";
import { eventually, until } from "../support/until.ts";

let chains: EmulatedChains | undefined;
afterEach(async () => {
  await chains?.stop();
  chains = undefined;
});

const applied = <W extends { readonly status: number }>(writes: ReadonlyArray<W>): Array<W> => writes.filter((w) => w.status >= 200 && w.status < 300);

/** Accepted writes that set `chains.tekton.dev/signed`: exactly one per signed run. */
const signingWrites = (c: EmulatedChains, name: string) =>
  applied(c.runWrites("taskruns", name)).filter((w) => (w.body ?? "").includes('"chains.tekton.dev/signed"'));

/** The predicate type of a TaskRun's signed provenance. */
const predicateType = (c: EmulatedChains, name: string): string => {
  const uid = (c.get("taskruns", name)!["metadata"] as { uid: string }).uid;
  const payload = c.annotations("taskruns", name)[`chains.tekton.dev/payload-taskrun-${uid}`]!;
  return (JSON.parse(Buffer.from(payload, "base64").toString()) as { predicateType: string }).predicateType;
};

/** Waits until the adapter's watch cache serves the edited chains-config. */
const configSeen = async (c: EmulatedChains, key: string, value: string) => {
  const service = c.cluster!.ports().configSource;
  await eventually(() => Effect.runPromise(service.readConfig()), (data) => data[key] === value, `chains-config ${key}: ${value}`);
};

describe("the controller on the Kubernetes adapter recovers", () => {
  it.each(["error-event", "http-410"] as const)("from a dropped watch and expired history (%s), missing no run", async (mode) => {
    chains = await EmulatedChains.create({ emulator: { expiredWatch: mode } });
    chains.emu.store.seed(plainTaskRun("before"), plainTaskRun("to-delete"));
    await chains.startController();
    await until(() => chains!.finalizers("taskruns", "before").length > 0 && chains!.finalizers("taskruns", "to-delete").length > 0, "the finalizers");
    const listsBefore = chains.emu.requestLog.count({ verb: "list", resource: "taskruns" });

    // Hold the re-watch until the history it asks for is gone; meanwhile runs change.
    chains.emu.faults.add({ match: { watch: true, resource: "taskruns" }, times: 1, respond: { delayMs: 300 } });
    chains.emu.dropWatches();
    chains.complete("taskruns", "before");
    chains.emu.store.seed(plainTaskRun("during"));
    chains.complete("taskruns", "during");
    chains.emu.store.delete("taskruns", "default", "to-delete");
    chains.emu.compactHistory();

    expect(await chains.awaitSigned("taskruns", "before")).toBe("true");
    expect(await chains.awaitSigned("taskruns", "during")).toBe("true");
    // The deleted run is released (its finalizer removed), so it is gone.
    await until(() => chains!.get("taskruns", "to-delete") === undefined, "the deleted run to go");
    expect(chains.emu.requestLog.count({ verb: "list", resource: "taskruns" })).toBeGreaterThan(listsBefore);
    expect(chains.provenanceVerifies("taskruns", "during")).toBe(true);
  });

  it("from failed, throttled and conflicting PATCHes", async () => {
    chains = await EmulatedChains.create();
    await chains.startController();
    chains.emu.faults.add({ match: { verb: "patch", resource: "taskruns" }, times: 2, respond: { status: 500 } });
    chains.emu.faults.add({ match: { verb: "patch", resource: "taskruns" }, times: 2, respond: { status: 429 } });
    chains.emu.faults.add({ match: { verb: "patch", resource: "taskruns" }, times: 2, respond: { status: 409 } });
    chains.emu.store.seed(plainTaskRun("a"));
    chains.complete("taskruns", "a");
    expect(await chains.awaitSigned("taskruns", "a")).toBe("true");
    expect(chains.provenanceVerifies("taskruns", "a")).toBe(true);
    const statuses = chains.runWrites("taskruns", "a").map((w) => w.status);
    expect(statuses.filter((s) => s === 500)).toHaveLength(2);
    expect(statuses.filter((s) => s === 429)).toHaveLength(2);
    expect(statuses.filter((s) => s === 409)).toHaveLength(2);
    expect(applied(chains.runWrites("taskruns", "a")).length).toBeLessThanOrEqual(2);
    expect(signingWrites(chains, "a")).toHaveLength(1);
  });

  it("from a list or watch that keeps failing for a while", async () => {
    chains = await EmulatedChains.create();
    chains.emu.faults.add({ match: { verb: "list", resource: "taskruns" }, times: 3, respond: { status: 503 } });
    chains.emu.faults.add({ match: { watch: true, resource: "taskruns" }, times: 2, respond: { resetConnection: true } });
    chains.emu.store.seed(plainTaskRun("a"));
    chains.complete("taskruns", "a");
    await chains.startController();
    expect(await chains.awaitSigned("taskruns", "a")).toBe("true");
    chains.emu.store.seed(plainTaskRun("b"));
    chains.complete("taskruns", "b");
    expect(await chains.awaitSigned("taskruns", "b")).toBe("true");
  });

  it("from a stop in mid-flight: a restart loses no run and signs none twice", async () => {
    chains = await EmulatedChains.create({ controller: { workers: 1, shutdownGraceMs: 20 } });
    const names = Array.from({ length: 12 }, (_, i) => `run-${i}`);
    for (const name of names) chains.emu.store.seed(plainTaskRun(name));
    await chains.startController();
    await until(() => names.every((n) => chains!.finalizers("taskruns", n).length > 0), "the finalizers");
    // A slow API server: the stop comes while a signing write is in flight.
    const slow = chains.emu.faults.add({ match: { verb: "patch", resource: "taskruns" }, times: Infinity, respond: { delayMs: 100 } });
    for (const name of names) chains.complete("taskruns", name);
    await until(() => names.some((n) => chains!.annotations("taskruns", n)["chains.tekton.dev/signed"] === "true"), "a first signed run");
    await chains.stopController();
    // Let the writes the stopped controller had sent land, as they would on a real server.
    await until(() => chains!.emu.requestLog.writes({ resource: "taskruns" }).every((w) => w.handled), "the stopped controller's writes to land");
    slow.remove();
    const signedAtStop = names.filter((n) => chains!.annotations("taskruns", n)["chains.tekton.dev/signed"] === "true");
    expect(signedAtStop.length).toBeLessThan(names.length);

    await chains.startController();
    for (const name of names) {
      expect(await chains.awaitSigned("taskruns", name)).toBe("true");
      expect(chains.provenanceVerifies("taskruns", name)).toBe(true);
      expect(signingWrites(chains, name)).toHaveLength(1);
      expect(chains.finalizers("taskruns", name)).toEqual([]);
    }
    // The runs signed before the stop got no write from the second controller.
    const lastSeq = (n: string) => Math.max(...chains!.runWrites("taskruns", n).map((w) => w.seq));
    const restartedAt = Math.min(...names.filter((n) => !signedAtStop.includes(n)).map(lastSeq));
    for (const name of signedAtStop) expect(lastSeq(name)).toBeLessThan(restartedAt);
  });

  it("rejects an invalid chains-config edit at once, with a warning Event on the ConfigMap, keeping the last good config", async () => {
    chains = await EmulatedChains.create({ config: { "artifacts.taskrun.format": "slsa/v2alpha4" } });
    await chains.startController();
    chains.emu.store.modify("configmaps", "tekton-chains", "chains-config", (o) => {
      o["data"] = { "artifacts.taskrun.format": "bogus" };
    });
    // Reported while no run is being signed.
    await until(() => chains!.emu.store.list("events", "tekton-chains").length > 0, "the Event");
    const configMapUid = (chains.emu.store.get("configmaps", "tekton-chains", "chains-config")!["metadata"] as { uid: string }).uid;
    const [event] = chains.emu.store.list("events", "tekton-chains") as Array<{ type: string; reason: string; message: string; involvedObject: unknown }>;
    expect(event).toMatchObject({
      type: "Warning",
      reason: "ConfigRejected",
      involvedObject: { apiVersion: "v1", kind: "ConfigMap", namespace: "tekton-chains", name: "chains-config", uid: configMapUid },
    });
    expect(event?.message).toContain('invalid value "bogus" for key "artifacts.taskrun.format"');

    chains.emu.store.seed(plainTaskRun("during-bad-edit"));
    chains.complete("taskruns", "during-bad-edit");
    expect(await chains.awaitSigned("taskruns", "during-bad-edit")).toBe("true");
    expect(predicateType(chains, "during-bad-edit")).toBe("https://slsa.dev/provenance/v1");
    // One Event per rejected edit, not one per refresh.
    expect(chains.emu.store.list("events", "tekton-chains")).toHaveLength(1);
  });

  it("applies a changed chains-config to the next run (hot reload)", async () => {
    chains = await EmulatedChains.create({ config: { "artifacts.taskrun.format": "in-toto" } });
    await chains.startController();
    chains.emu.store.seed(plainTaskRun("first"));
    chains.complete("taskruns", "first");
    expect(await chains.awaitSigned("taskruns", "first")).toBe("true");

    chains.emu.store.modify("configmaps", "tekton-chains", "chains-config", (o) => {
      o["data"] = { "artifacts.taskrun.format": "slsa/v2alpha4" };
    });
    await configSeen(chains, "artifacts.taskrun.format", "slsa/v2alpha4");
    chains.emu.store.seed(plainTaskRun("second"));
    chains.complete("taskruns", "second");
    expect(await chains.awaitSigned("taskruns", "second")).toBe("true");

    expect(predicateType(chains, "first")).toBe("https://slsa.dev/provenance/v0.2");
    expect(predicateType(chains, "second")).toBe("https://slsa.dev/provenance/v1");
    expect(chains.provenanceVerifies("taskruns", "second")).toBe(true);
    // Served from the watch cache: one list of chains-config, no GET per pass.
    expect(chains.emu.requestLog.count({ verb: "list", resource: "configmaps" })).toBe(1);
    expect(chains.emu.requestLog.count({ verb: "get", resource: "configmaps" })).toBe(0);
  });

  it("never blocks a deletion: running, unsigned and unsignable runs are released", async () => {
    chains = await EmulatedChains.create();
    chains.emu.store.seed(plainTaskRun("running"), plainTaskRun("done"));
    await chains.startController();
    await until(() => chains!.finalizers("taskruns", "running").length > 0 && chains!.finalizers("taskruns", "done").length > 0, "the finalizers");
    chains.emu.store.delete("taskruns", "default", "running");
    await until(() => chains!.get("taskruns", "running") === undefined, "the running run to be released");

    // Signing cannot succeed: no key any more. The deletion still completes.
    chains.emu.store.modify("secrets", "tekton-chains", "signing-secrets", (o) => {
      o["data"] = {};
    });
    const secrets = chains.cluster!.ports().configSource;
    await eventually(() => Effect.runPromise(secrets.readSigningSecrets()), (read) => read.files.size === 0, "the emptied signing Secret");
    chains.complete("taskruns", "done");
    chains.emu.store.delete("taskruns", "default", "done");
    await until(() => chains!.get("taskruns", "done") === undefined, "the done run to be released", 20_000);
  });
});
