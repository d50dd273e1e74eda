import { spawn } from "node:child_process";

const CLI = new URL("../bin/chains-ts", import.meta.url).pathname;

/** Output kept per process, for the failure report: the end is what explains an exit. */
const OUTPUT_TAIL = 8_000;

export interface ControllerLaunch {
  readonly kubeconfig: string;
  readonly signingSecrets: string;
  /** Its name in the Leases (POD_NAME). */
  readonly podName: string;
  /** `--disable-ha`: a single replica without Leases. */
  readonly disableHa: boolean;
}

/** One `chains-ts controller` process, as a pod runs it. */
export interface ControllerProcess {
  readonly podName: string;
  readonly running: () => boolean;
  readonly exited: Promise<number | null>;
  readonly output: () => string;
  /** SIGKILL, as the kernel's OOM killer or a node loss does; resolves once the process is gone. */
  readonly kill: () => Promise<void>;
  /** SIGTERM, then SIGKILL after `graceMs`. */
  readonly stop: (graceMs?: number) => Promise<void>;
}

export const launchController = (launch: ControllerLaunch): ControllerProcess => {
  const args = ["controller", "--kubeconfig", launch.kubeconfig, "--signing-secrets", launch.signingSecrets, "--health-port", "0", "--metrics-port", "0"];
  if (launch.disableHa) args.push("--disable-ha");
  const child = spawn(CLI, args, {
    env: { ...process.env, SYSTEM_NAMESPACE: "tekton-chains", KUBECONFIG: "", POD_NAME: launch.podName },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-OUTPUT_TAIL));
  child.stdout.on("data", keep);
  child.stderr.on("data", keep);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const running = () => child.exitCode === null && child.signalCode === null;
  const signal = async (name: NodeJS.Signals) => {
    if (running()) child.kill(name);
    await exited;
  };
  return {
    podName: launch.podName,
    running,
    exited,
    output: () => output,
    kill: () => signal("SIGKILL"),
    stop: async (graceMs = 10_000) => {
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      await signal("SIGTERM");
      clearTimeout(timer);
    },
  };
};
