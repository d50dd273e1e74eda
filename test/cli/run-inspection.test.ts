import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EmbeddedChains } from "../../src/app/harness/embedded-chains.ts";
import { sampleRuns } from "../../src/app/demo/sample-runs.ts";
import type { RunRef } from "../../src/domain/run/run-ref.ts";
import { runCommandLine } from "../support/command-output.ts";
import { startKubeApiEmulator, type KubeApiEmulator } from "../support/kube-api-emulator/index.ts";

const cli = fileURLToPath(new URL("../../bin/chains-ts", import.meta.url));
const env = { KUBECONFIG: "", SYSTEM_NAMESPACE: "" };

/** `bin/chains-ts ARGS`, its stdout as raw bytes. */
const chainsTs = (args: ReadonlyArray<string>) =>
  new Promise<{ code: number; stdout: Buffer; stderr: string }>((resolve) => {
    execFile(cli, args, { encoding: "buffer", env: { ...process.env, ...env } }, (error, stdout, stderr) =>
      resolve({ code: error === null ? 0 : typeof error.code === "number" ? error.code : -1, stdout, stderr: stderr.toString("utf8") }),
    );
  });

/**
 * The same command run in this process, as main.ts runs it. Starting a process costs one to three
 * seconds on 2 busy cores: each command runs once through bin/chains-ts above, the other cases here.
 */
const inProcess = async (args: ReadonlyArray<string>) => {
  const { code, stdoutBytes, stderr } = await runCommandLine(args, env);
  return { code, stdout: stdoutBytes, stderr };
};

let dir = "";
let emu: KubeApiEmulator;
let kubeconfig = "";
let publicKey = "";
/** Runs the embedded controller signed, as it left them (annotations, uid). */
const signed = new Map<string, Record<string, unknown>>();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "chains-inspect-"));
  const chains = await EmbeddedChains.start();
  try {
    const samples = sampleRuns();
    const refs: Array<RunRef> = [chains.createRun(samples.taskRuns[0]!), chains.createRun(samples.pipelineRun)];
    for (const ref of refs) chains.completeRun(ref);
    for (const ref of refs) {
      expect(await chains.awaitSigned(ref)).toBe("true");
      signed.set(ref.kind, structuredClone(chains.cluster.getRun(ref)) as unknown as Record<string, unknown>);
    }
    publicKey = join(dir, "cosign.pub");
    await writeFile(publicKey, chains.publicKeyPem);
  } finally {
    await chains.stop();
  }
  emu = await startKubeApiEmulator();
  kubeconfig = await emu.writeKubeconfig(dir);
  emu.store.seed(...[...signed.values()].map((run) => ({ ...run, metadata: { ...(run["metadata"] as object), namespace: "team" } })));
});
afterAll(async () => {
  await emu?.stop();
  await rm(dir, { recursive: true, force: true });
});

const metadataOf = (kind: string) => signed.get(kind)!["metadata"] as { name: string; uid: string; annotations: Record<string, string> };
const decoded = (kind: string, what: "payload" | "signature") => {
  const metadata = metadataOf(kind);
  const value = metadata.annotations[`chains.tekton.dev/${what}-${kind.toLowerCase()}-${metadata.uid}`];
  expect(value, `${kind} ${what}`).toBeDefined();
  return Buffer.from(value!, "base64");
};

describe("chains-ts payload and signature", () => {
  it.each([
    ["TaskRun", "taskrun", { payload: chainsTs, signature: inProcess }],
    ["PipelineRun", "pipelinerun", { payload: inProcess, signature: chainsTs }],
  ] as const)("print exactly the bytes the %s's annotations decode to", async (kind, prefix, runners) => {
    for (const what of ["payload", "signature"] as const) {
      const result = await runners[what]([what, `${prefix}/${metadataOf(kind).name}`, "-n", "team", "--kubeconfig", kubeconfig]);
      expect(result.stderr).toBe("");
      expect(result.code).toBe(0);
      expect(result.stdout.equals(decoded(kind, what)), `${what} of ${kind}`).toBe(true);
    }
  }, 180_000);

  it("reads a bare NAME as a TaskRun and the namespace from the kubeconfig context, as tkn does", async () => {
    const withNamespace = join(dir, "team.kubeconfig");
    await writeFile(withNamespace, emu.kubeconfig({ namespace: "team" }));
    const result = await inProcess(["payload", "-S", metadataOf("TaskRun").name, "--kubeconfig", withNamespace]);
    expect(result.stderr).toBe("");
    expect(result.stdout.equals(decoded("TaskRun", "payload"))).toBe(true);
  });

  describe("a run without the annotation exits 1 saying why", () => {
    const seedUnsigned = (name: string, annotations: Record<string, string> = {}) =>
      emu.store.seed({ apiVersion: "tekton.dev/v1", kind: "TaskRun", metadata: { name, namespace: "team", uid: `uid-${name}`, annotations } });
    const setConfig = (data: Record<string, string>) =>
      emu.store.seed({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "chains-config", namespace: "tekton-chains" }, data });

    it("names the configured backends and where they keep it", async () => {
      seedUnsigned("in-registry", { "chains.tekton.dev/signed": "true" });
      setConfig({ "artifacts.taskrun.storage": "oci,gcs", "storage.gcs.bucket": "provenance" });
      const result = await inProcess(["signature", "taskrun/in-registry", "-n", "team", "--kubeconfig", kubeconfig]);
      expect(result.code).toBe(1);
      expect(result.stdout.length).toBe(0);
      expect(result.stderr).toContain("no signature stored on TaskRun team/in-registry (no chains.tekton.dev/signature-taskrun-uid-in-registry annotation)");
      expect(result.stderr).toContain("artifacts.taskrun.storage is oci,gcs");
      expect(result.stderr).toContain("the registry");
      expect(result.stderr).toContain("gs://provenance");
      expect(result.stderr.trimEnd().split("\n")).toHaveLength(1);
    });

    it("says a run is not signed yet, or failed, when the tekton backend is configured", async () => {
      setConfig({});
      seedUnsigned("pending");
      seedUnsigned("broken", { "chains.tekton.dev/signed": "failed" });
      const pending = await inProcess(["payload", "taskrun/pending", "-n", "team", "--kubeconfig", kubeconfig]);
      expect(pending.code).toBe(1);
      expect(pending.stderr).toMatch(/not signed yet.*artifacts\.taskrun\.storage is tekton/);
      const broken = await inProcess(["payload", "taskrun/broken", "-n", "team", "--kubeconfig", kubeconfig]);
      expect(broken.code).toBe(1);
      expect(broken.stderr).toContain("signing failed (chains.tekton.dev/signed=failed");
      seedUnsigned("stripped", { "chains.tekton.dev/signed": "true" });
      const stripped = await inProcess(["signature", "taskrun/stripped", "-n", "team", "--kubeconfig", kubeconfig]);
      expect(stripped.code).toBe(1);
      expect(stripped.stderr).toContain("the run is signed (chains.tekton.dev/signed=true) but its signature is not on it");
    });

    it("reads chains-config from --chains-namespace", async () => {
      seedUnsigned("elsewhere");
      emu.store.seed({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "chains-config", namespace: "chains-system" }, data: { "artifacts.taskrun.storage": "archivista", "storage.archivista.url": "https://archivista.example" } });
      const result = await inProcess(["payload", "taskrun/elsewhere", "-n", "team", "--kubeconfig", kubeconfig, "--chains-namespace", "chains-system"]);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain("artifacts.taskrun.storage is archivista");
      expect(result.stderr).toContain("https://archivista.example");
    });

    it("a missing run", async () => {
      const result = await inProcess(["payload", "pipelinerun/nope", "-n", "team", "--kubeconfig", kubeconfig]);
      expect(result.code).toBe(1);
      expect(result.stderr).toBe("chains-ts payload: no PipelineRun nope in namespace team\n");
    });
  });
});

describe("chains-ts verify taskrun/NAME", () => {
  it("reads the run from the cluster and verifies its signatures", async () => {
    for (const [kind, prefix, run] of [["TaskRun", "taskrun", chainsTs], ["PipelineRun", "pr", inProcess]] as const) {
      const result = await run(["verify", "--key", publicKey, `${prefix}/${metadataOf(kind).name}`, "-n", "team", "--kubeconfig", kubeconfig]);
      expect(result.stderr).toBe("");
      expect(result.code).toBe(0);
      expect(result.stdout.toString("utf8")).toContain(`verified ${kind} team/${metadataOf(kind).name} ${kind.toLowerCase()}-${metadataOf(kind).uid}: DSSE envelope`);
    }
  }, 180_000);

  it("fails on a run whose payload annotation was changed in the cluster", async () => {
    const { name, uid } = metadataOf("TaskRun");
    emu.store.modify("taskruns", "team", name, (run) => {
      (run["metadata"] as { annotations: Record<string, string> }).annotations[`chains.tekton.dev/payload-taskrun-${uid}`] = Buffer.from("{}").toString("base64");
    });
    try {
      const result = await inProcess(["verify", "--key", publicKey, `taskrun/${name}`, "-n", "team", "--kubeconfig", kubeconfig]);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain("differs from the payload annotation");
    } finally {
      emu.store.modify("taskruns", "team", name, (run) => {
        (run["metadata"] as { annotations: Record<string, string> }).annotations[`chains.tekton.dev/payload-taskrun-${uid}`] = metadataOf("TaskRun").annotations[`chains.tekton.dev/payload-taskrun-${uid}`]!;
      });
    }
  });

  it("a run that is not there is an input error", async () => {
    const result = await inProcess(["verify", "--key", publicKey, "taskrun/nope", "-n", "team", "--kubeconfig", kubeconfig]);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe("chains-ts verify: no TaskRun nope in namespace team\n");
  });
});
