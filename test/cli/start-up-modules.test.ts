import { execFile, spawn } from "node:child_process";
import { generateKeyPairSync, sign } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { preAuthEncoding } from "../../src/domain/dsse/pae.ts";
import { EmulatedChains, plainTaskRun } from "../kubernetes/emulated-chains.ts";

const main = fileURLToPath(new URL("../../src/app/cli/main.ts", import.meta.url));
const recorder = fileURLToPath(new URL("../support/record-loaded-packages.ts", import.meta.url));
const conformanceCase = fileURLToPath(new URL("../fixtures/conformance-cases/slsa-v1__pipelinerun__childrefs", import.meta.url));

/** The libraries that made every start slow (issue 14): only the commands that use them may load them. */
const HEAVY = ["@kubernetes/client-node", "openpgp", "@sigstore/tuf", "@sigstore/core", "@sigstore/verify", "prom-client"];

let dir = "";
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "chains-start-up-"));
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const uid = "0d7c1d1e-5b8e-4a8e-9d1c-2f1f6c1f0a01";
  const type = "application/vnd.in-toto+json";
  const payload = Buffer.from('{"_type":"https://in-toto.io/Statement/v0.1","subject":[]}');
  const sig = sign("sha256", preAuthEncoding(type, payload), privateKey).toString("base64");
  const envelope = JSON.stringify({ payloadType: type, payload: payload.toString("base64"), signatures: [{ keyid: "", sig }] });
  const run = {
    apiVersion: "tekton.dev/v1",
    kind: "TaskRun",
    metadata: {
      name: "build",
      namespace: "default",
      uid,
      annotations: {
        "chains.tekton.dev/signed": "true",
        [`chains.tekton.dev/payload-taskrun-${uid}`]: payload.toString("base64"),
        [`chains.tekton.dev/signature-taskrun-${uid}`]: Buffer.from(envelope).toString("base64"),
      },
    },
  };
  await writeFile(join(dir, "run.json"), JSON.stringify(run));
  await writeFile(join(dir, "key.pub"), publicKey.export({ type: "spki", format: "pem" }));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const loadedPackages = async (args: ReadonlyArray<string>): Promise<ReadonlyArray<string>> => {
  const record = join(dir, `loaded-${args[0] ?? "none"}.txt`);
  await promisify(execFile)(process.execPath, ["--disable-warning=ExperimentalWarning", "--import", recorder, main, ...args], {
    env: { ...process.env, LOADED_PACKAGES_FILE: record },
  });
  return (await readFile(record, "utf8")).split("\n").filter((line) => line !== "");
};

describe("what a chains-ts command loads (issue 14)", () => {
  it("--help loads no npm package at all", async () => {
    expect(await loadedPackages(["--help"])).toEqual([]);
  });

  it("provenance and verify with a key file load neither the Kubernetes client, OpenPGP, Sigstore nor Prometheus", async () => {
    const provenance = await loadedPackages([
      "provenance",
      "--format",
      "slsa/v1",
      "--taskrun",
      join(conformanceCase, "taskruns", "01-taskrun-build.json"),
      "--taskrun",
      join(conformanceCase, "taskruns", "02-git-clone.json"),
      join(conformanceCase, "input.json"),
    ]);
    const verify = await loadedPackages(["verify", "--key", join(dir, "key.pub"), join(dir, "run.json")]);
    // They did run: each loads the YAML/JSON readers.
    expect(provenance).toContain("yaml");
    expect(verify).toContain("yaml");
    expect(provenance.filter((name) => HEAVY.includes(name))).toEqual([]);
    expect(verify.filter((name) => HEAVY.includes(name))).toEqual([]);
  });

  it("controller loads the Kubernetes client (the recorder sees what a command loads)", async () => {
    const loaded = await loadedPackages(["controller", "--threads-per-controller", "zero"]).catch(() => undefined);
    // A usage error exits 2 (execFile rejects); the record is written on exit all the same.
    expect(loaded ?? (await readFile(join(dir, "loaded-controller.txt"), "utf8")).split("\n")).toContain("@kubernetes/client-node");
  });

  it("controller signing with an x509.pem key loads neither OpenPGP nor Sigstore's signing, certificate or TUF code", async () => {
    const chains = await EmulatedChains.create();
    const record = join(dir, "loaded-signing-controller.txt");
    try {
      chains.emu.store.seed(plainTaskRun("build"));
      chains.complete("taskruns", "build");
      const kubeconfig = await chains.emu.writeKubeconfig(dir);
      const controller = spawn(
        process.execPath,
        ["--disable-warning=ExperimentalWarning", "--import", recorder, main, "controller", "--kubeconfig", kubeconfig, "--disable-ha", "--health-port", "0", "--metrics-port", "0"],
        { env: { ...process.env, SYSTEM_NAMESPACE: "tekton-chains", KUBECONFIG: "", LOADED_PACKAGES_FILE: record }, stdio: "ignore" },
      );
      const exited = new Promise((resolve) => controller.once("exit", resolve));
      try {
        expect(await chains.awaitSigned("taskruns", "build", undefined, 60_000)).toBe("true");
      } finally {
        controller.kill("SIGTERM");
        await exited;
      }
    } finally {
      await chains.stop();
    }
    const loaded = (await readFile(record, "utf8")).split("\n");
    expect(loaded).toContain("@kubernetes/client-node");
    expect(loaded.filter((name) => ["openpgp", "@sigstore/tuf", "@sigstore/core"].includes(name))).toEqual([]);
  });
});
