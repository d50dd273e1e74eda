import { spawn, type ChildProcess } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach } from "vitest";
import { leaseNameFor } from "../../src/domain/leader-election/lease-names.ts";
import { startKubeApiEmulator, type KubeApiEmulator } from "../support/kube-api-emulator/index.ts";
import { temporaryDirectories } from "../support/temporary-directories.ts";

const CLI = new URL("../../bin/chains-ts", import.meta.url).pathname;

export interface Started {
  readonly process: ChildProcess;
  readonly stdout: () => string;
  readonly stderr: () => string;
  readonly exited: Promise<number | null>;
}

/** The controller's JSON log lines. */
export const logLines = (stdout: string) =>
  stdout
    .trim()
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as { level: string; message: string });

export const leaseHolder = (e: KubeApiEmulator, kind: "TaskRun" | "PipelineRun"): string => {
  const spec = e.store.get("leases", "tekton-chains", leaseNameFor(kind))?.["spec"] as { holderIdentity?: string } | undefined;
  return spec?.holderIdentity ?? "";
};

/**
 * Real `chains-ts controller` processes against a fresh API emulator per test, for the test files
 * that split the controller command's cases (so the two vitest workers share them); every process
 * and the emulator are gone after each test.
 */
export const controllerProcesses = () => {
  const temporaryDirectory = temporaryDirectories();
  let emu: KubeApiEmulator | undefined;
  /** The process `launch` started last. */
  let child: ChildProcess | undefined;
  const children: Array<ChildProcess> = [];
  afterEach(async () => {
    for (const started of children.splice(0)) if (started.exitCode === null && started.signalCode === null) started.kill("SIGKILL");
    child = undefined;
    await emu?.stop();
    emu = undefined;
  });

  /**
   * Waits for what a started process does are generous: a process start costs about a second of CPU,
   * many times that on a loaded 2-core machine. Bounds that are the behaviour under test (a takeover
   * within the lease, a restart that does not wait out the lease) stay as the spec sets them.
   */
  const launch = (args: ReadonlyArray<string>, env: Readonly<Record<string, string>> = {}): Started => {
    let stdout = "";
    let stderr = "";
    const started = spawn(CLI, ["controller", "--health-port", "0", "--metrics-port", "0", ...args], { env: { ...process.env, SYSTEM_NAMESPACE: "tekton-chains", KUBECONFIG: "", ...env }, stdio: ["ignore", "pipe", "pipe"] });
    child = started;
    children.push(started);
    started.stdout!.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    started.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => started.on("exit", (code) => resolve(code)));
    return { process: started, stdout: () => stdout, stderr: () => stderr, exited };
  };

  const setUp = async (config: Record<string, string>) => {
    emu = await startKubeApiEmulator({ bookmarkIntervalMs: 200 });
    emu.store.seed({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "chains-config", namespace: "tekton-chains" }, data: config });
    const dir = temporaryDirectory("chains-controller-");
    const secrets = join(dir, "secrets");
    const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    await mkdir(secrets, { recursive: true });
    await writeFile(join(secrets, "x509.pem"), privateKey.export({ type: "pkcs8", format: "pem" }).toString());
    return { kubeconfig: await emu.writeKubeconfig(dir), secrets };
  };

  return {
    launch,
    setUp,
    temporaryDirectory,
    /** The emulator `setUp` started for this test. */
    emulator: (): KubeApiEmulator => emu!,
    /** The process `launch` started last. */
    lastChild: (): ChildProcess => child!,
  };
};
