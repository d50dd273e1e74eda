import { SIGNED_ANNOTATION } from "../src/domain/annotations/chains-annotations.ts";
import type { ChaosParameters } from "./chaos-parameters.ts";
import type { ChaosRow } from "./chaos-row.ts";
import { type ChaosWorld, type ImageRun, NAMESPACE, until } from "./chaos-world.ts";
import type { ControllerProcess } from "./controller-process.ts";
import { auditRuns, awaitSettled } from "./run-audit.ts";

export const LIFECYCLE_STEPS = ["pending", "snapshotted", "signed", "stored", "annotated"] as const;
type Step = (typeof LIFECYCLE_STEPS)[number];

const POD = "chaos-lifecycle";
/** Long enough for the SIGKILL to land first: the held PATCH then finds its client gone. */
const HELD_PATCH_MS = 1_500;
const isSigningPatch = (body: string | undefined): boolean => (body ?? "").includes(`${JSON.stringify(SIGNED_ANNOTATION)}:"true"`);

/**
 * How the suite knows the controller is at a step, from outside the process:
 * - pending: the completed run has been written to the controller's watch; the first call of the
 *   pass that leaves the process (the KMS sign) is held, so the kill falls before the pass has any
 *   effect outside it, which is all "pending" means once the process is gone;
 * - snapshotted: the Vault transit sign request arrived (held): signing is in flight;
 * - signed: the first signature manifest PUT reached the registry proxy (held): storing is in flight;
 * - stored: the PATCH that marks the run signed reached the API server (held, never applied);
 * - annotated: that PATCH was answered 2xx.
 * `arm` prepares the hold; the returned trigger resolves when the controller is at the step.
 */
const arm = (world: ChaosWorld, step: Step, run: ImageRun): { readonly reached: () => boolean; readonly disarm: () => void } => {
  const vaultSeen = world.vaultGate.seen.length;
  const registrySeen = world.registryGate.seen.length;
  const held = (seen: ReadonlyArray<{ readonly fault: unknown }>, from: number) => seen.slice(from).some((s) => s.fault === "hang");
  const holdSigning = () => {
    world.vaultGate.decide = (method, path) => (method === "POST" && /\/sign\//.test(path) ? "hang" : "pass");
  };
  const release = () => {
    world.vaultGate.decide = () => "pass";
    world.registryGate.decide = () => "pass";
  };
  switch (step) {
    case "pending": {
      holdSigning();
      return { reached: () => true, disarm: release };
    }
    case "snapshotted": {
      holdSigning();
      return { reached: () => held(world.vaultGate.seen, vaultSeen), disarm: release };
    }
    case "signed": {
      world.registryGate.decide = (method, path) => (method === "PUT" && /\/manifests\//.test(path) ? "hang" : "pass");
      return { reached: () => held(world.registryGate.seen, registrySeen), disarm: release };
    }
    case "stored": {
      const fault = world.emu.faults.add({ match: { verb: "patch", resource: "taskruns", name: run.name }, times: 1, respond: { delayMs: HELD_PATCH_MS } });
      return { reached: () => fault.hits > 0, disarm: () => fault.remove() };
    }
    case "annotated": {
      const signingPatchAnswered = () =>
        world.emu.requestLog.writes({ resource: "taskruns", name: run.name }).some((w) => w.status >= 200 && w.status < 300 && isSigningPatch(w.body));
      return { reached: signingPatchAnswered, disarm: () => undefined };
    }
  }
};

/** Rows "kill -9 at <step>": for each run, one SIGKILL at that step, then a restart that must finish it. */
export const lifecycleKills = async (world: ChaosWorld, params: ChaosParameters): Promise<ReadonlyArray<ChaosRow>> => {
  const rows: Array<ChaosRow> = [];
  let controller: ControllerProcess = world.startController(POD, { disableHa: true });
  const ensureRunning = (notes: Array<string>) => {
    if (controller.running()) return;
    notes.push(`the controller exited by itself; restarted. Its output ended: ${controller.output().slice(-300)}`);
    controller = world.startController(POD, { disableHa: true });
  };
  for (const step of LIFECYCLE_STEPS) {
    const runs: Array<ImageRun> = [];
    const explained = new Set<string>();
    const notes: Array<string> = [];
    let missed = 0;
    let laterThanPending = 0;
    for (let i = 0; i < params.killsPerStep; i++) {
      const run = world.seedImageRun(`${step}-${i}`);
      runs.push(run);
      ensureRunning(notes);
      if (!(await until(() => world.hasFinalizer(run.name), params.settleTimeoutS * 1000))) {
        notes.push(`${run.name}: no finalizer within ${params.settleTimeoutS} s of its creation`);
      }
      const signRequests = world.vaultGate.seen.length;
      const armed = arm(world, step, run);
      world.complete(run.name);
      const reached = await until(armed.reached, params.settleTimeoutS * 1000);
      await controller.kill();
      armed.disarm();
      if (!reached) missed++;
      if (step === "pending" && world.vaultGate.seen.length > signRequests) laterThanPending++;
      if (step === "stored") {
        // The held PATCH must not have been applied after the kill; if it was, the kill fell at "annotated".
        await new Promise((resolve) => setTimeout(resolve, HELD_PATCH_MS + 100));
        const held = world.emu.requestLog.writes({ resource: "taskruns", name: run.name, namespace: NAMESPACE }).find((w) => w.fault);
        if (held !== undefined && !isSigningPatch(held.body)) notes.push(`${run.name}: the held PATCH was not the one marking the run signed (a failed pass?)`);
        if (held !== undefined && held.status !== 0) notes.push(`${run.name}: the held PATCH was applied after the kill`);
      }
      if (world.signedState(run.name) !== "true") for (const tag of await world.tagsWithLayers(run)) explained.add(`${run.name} ${tag}`);
      controller = world.startController(POD, { disableHa: true });
      await awaitSettled(world, [run], params.settleTimeoutS * 1000);
    }
    if (laterThanPending > 0) notes.push(`${laterThanPending} of ${params.killsPerStep} kills came after the sign request was sent (at snapshotted)`);
    if (missed > 0) notes.push(`${missed} of ${params.killsPerStep} kills came after waiting ${params.settleTimeoutS} s without reaching the step`);
    rows.push({ scenario: `kill -9 at ${step}`, audit: await auditRuns(world, runs, explained), notes });
  }
  await controller.stop();
  return rows;
};
