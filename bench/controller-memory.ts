/**
 * Resident memory of a real `chains-ts controller` process (bin/chains-ts, as in a pod) watching
 * `signedRuns` runs it has already signed while it signs `toSign` more TaskRuns, against the
 * project's API emulator. The signed runs are PipelineRuns with two child TaskRuns each, as most
 * runs of a cluster are, and carry what a signature leaves on a run (payload and envelope
 * annotations): copies of the sample PipelineRun and children, signed for real by the controller.
 */
import { spawn } from "node:child_process";
import { readFile, rm } from "node:fs/promises";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { sampleRuns } from "../src/app/demo/sample-runs.ts";
import { EmulatedChains, NAMESPACE, plainTaskRun } from "../test/kubernetes/emulated-chains.ts";
import { until } from "../test/support/until.ts";
import type { JsonObject } from "../test/support/kube-api-emulator/index.ts";

export interface ControllerMemory {
  readonly signedRuns: number;
  readonly toSign: number;
  /** Resident set once every run to sign is signed (after a short settle). */
  readonly rssMiB: number;
  /** The highest resident set of the process's life (the start-up list included). */
  readonly peakMiB: number;
}

const cli = fileURLToPath(new URL("../bin/chains-ts", import.meta.url));

/** VmRSS and VmHWM of a Linux process, in MiB. */
const residentMiB = async (pid: number): Promise<{ rss: number; peak: number }> => {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? Number.NaN) / 1024;
  return { rss: field("VmRSS"), peak: field("VmHWM") };
};

/** One PipelineRun and its two child TaskRuns, as the controller leaves them once signed. */
interface SignedGroup {
  readonly pipelineRun: JsonObject;
  readonly children: ReadonlyArray<JsonObject>;
}

const uidOf = (object: JsonObject): string => String((object["metadata"] as { uid: string }).uid);

/** Signs the sample PipelineRun and its children in-process, for the shape of signed runs. */
const signedTemplate = async (): Promise<SignedGroup> => {
  const chains = await EmulatedChains.create();
  try {
    const { taskRuns, pipelineRun } = sampleRuns();
    const children = taskRuns.slice(2);
    chains.emu.store.seed(pipelineRun as unknown as JsonObject, ...children.map((child) => child as unknown as JsonObject));
    for (const child of children) chains.complete("taskruns", child.metadata.name);
    chains.complete("pipelineruns", pipelineRun.metadata.name);
    await chains.startController();
    for (const child of children) await chains.awaitSigned("taskruns", child.metadata.name);
    await chains.awaitSigned("pipelineruns", pipelineRun.metadata.name);
    return {
      pipelineRun: chains.get("pipelineruns", pipelineRun.metadata.name)!,
      children: children.map((child) => chains.get("taskruns", child.metadata.name)!),
    };
  } finally {
    await chains.stop();
  }
};

/** The template group under new names and uids (labels, owner and child references follow). */
const groupCopy = (template: SignedGroup, index: number): SignedGroup => {
  const objects = [template.pipelineRun, ...template.children];
  let text = JSON.stringify(objects).replaceAll(String((template.pipelineRun["metadata"] as { name: string }).name), `signed-${index}`);
  objects.forEach((object, i) => {
    text = text.replaceAll(uidOf(object), `00000000-0000-4000-8${i}00-${index.toString(16).padStart(12, "0")}`);
  });
  const [pipelineRun, ...children] = (JSON.parse(text) as Array<{ metadata: Record<string, unknown> }>).map((object) => {
    delete object.metadata["resourceVersion"];
    delete object.metadata["managedFields"];
    return object as unknown as JsonObject;
  });
  return { pipelineRun: pipelineRun!, children };
};

const GROUP_SIZE = 3;

/** `signedRuns` is rounded up to whole groups of a PipelineRun and its two TaskRuns. */
export const measureControllerMemory = async (signedRuns: number, toSign: number): Promise<ControllerMemory> => {
  const template = await signedTemplate();
  const chains = await EmulatedChains.create({ emulator: { bookmarkIntervalMs: 1_000 } });
  const kubeconfig = await chains.emu.writeKubeconfig();
  try {
    for (let group = 0; group < Math.ceil(signedRuns / GROUP_SIZE); group++) {
      const copy = groupCopy(template, group);
      chains.emu.store.seed(copy.pipelineRun, ...copy.children);
    }
    const names = Array.from({ length: toSign }, (_, i) => `to-sign-${i}`);
    for (const name of names) {
      chains.emu.store.seed(plainTaskRun(name));
      chains.complete("taskruns", name);
    }
    const controller = spawn(cli, ["controller", "--kubeconfig", kubeconfig, "--disable-ha", "--health-port", "0", "--metrics-port", "0"], {
      env: { ...process.env, SYSTEM_NAMESPACE: "tekton-chains", KUBECONFIG: "" },
      stdio: "ignore",
    });
    const exited = new Promise<void>((resolve) => controller.once("exit", () => resolve()));
    try {
      let unsigned = [...names];
      await until(
        () => {
          unsigned = unsigned.filter((name) => chains.annotations("taskruns", name, NAMESPACE)["chains.tekton.dev/signed"] !== "true");
          if (controller.exitCode !== null) throw new Error(`the controller exited with ${controller.exitCode}`);
          return unsigned.length === 0;
        },
        `${toSign} runs signed next to ${signedRuns} signed ones`,
        900_000,
      );
      const rewritten = chains.emu.requestLog.count({ verb: "patch", resource: "pipelineruns" });
      if (rewritten > 0) throw new Error(`the controller wrote ${rewritten} times to signed PipelineRuns: the copies are not what a signed run looks like`);
      // What is left once the work is done, not garbage the collector has yet to reach.
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      const { rss, peak } = await residentMiB(controller.pid!);
      return { signedRuns: Math.ceil(signedRuns / GROUP_SIZE) * GROUP_SIZE, toSign, rssMiB: rss, peakMiB: peak };
    } finally {
      controller.kill("SIGTERM");
      await exited;
    }
  } finally {
    await chains.stop();
    await rm(dirname(kubeconfig), { recursive: true, force: true });
  }
};
