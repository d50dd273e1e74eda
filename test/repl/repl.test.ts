import { createPublicKey, verify } from "node:crypto";
import { describe, expect, it } from "vitest";
import { preAuthEncoding } from "../../src/domain/dsse/pae.ts";
import { fixture, lastState, runCli, runScript, transitions } from "./repl-script.ts";

const taskRun = fixture("taskrun-succeeded.json");

describe("chains-ts repl", () => {
  it("steps a completed TaskRun one transition at a time: pending → snapshotted → signed → stored → annotated", async () => {
    const { code, stdout, stderr } = await runScript([
      `load ${taskRun}`,
      "step",
      "state",
      "step",
      "payload",
      "step",
      "step",
      "step",
      "annotations",
      "keys",
    ]);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(transitions(stdout)).toEqual([
      "(new) → pending",
      "pending → snapshotted",
      "snapshotted → signed",
      "signed → stored",
      "stored → annotated",
    ]);
    expect(stdout).toMatch(/^state: pending$/m);
    expect(stdout).toContain("THROWAWAY ECDSA P-256");
    // The payload printed after the snapshot is the in-toto statement the pass signs.
    const payload = stdout.split("\n").find((line) => line.startsWith('{"_type":"https://in-toto.io/Statement'));
    expect(payload).toBeDefined();
    // The annotation step writes signed=true with the tekton backend's annotations, in one write.
    expect(stdout).toMatch(/^ {2}cluster write TaskRun\/default\/build-image: annotations .*payload-taskrun-.*signed=true.* → applied$/m);
    expect(stdout).toMatch(/^ {2}chains\.tekton\.dev\/signed: true$/m);
  });

  it("prints an envelope whose signature verifies over the DSSE PAE of the printed payload with the session's public key", async () => {
    const { stdout } = await runScript([`load ${taskRun}`, "run", "payload", "envelope", "keys"]);
    const lines = stdout.split("\n");
    const payload = lines.find((line) => line.startsWith('{"_type"'))!;
    const envelope = JSON.parse(lines.find((line) => line.startsWith('{"payloadType"'))!) as {
      payloadType: string;
      payload: string;
      signatures: Array<{ sig: string }>;
    };
    expect(Buffer.from(envelope.payload, "base64").toString("utf8")).toBe(payload);
    const pem = stdout.slice(stdout.indexOf("-----BEGIN PUBLIC KEY-----"), stdout.indexOf("-----END PUBLIC KEY-----") + 24);
    const signed = preAuthEncoding(envelope.payloadType, new TextEncoder().encode(payload));
    expect(verify("sha256", signed, createPublicKey(pem), Buffer.from(envelope.signatures[0]!.sig, "base64"))).toBe(true);
  });

  it("takes the retry path when the signer fails once, and resumes where it failed", async () => {
    const { code, stdout } = await runScript([`load ${taskRun}`, "fail signer", "run", "annotations"]);
    expect(code).toBe(0);
    expect(transitions(stdout)).toEqual([
      "(new) → pending",
      "pending → snapshotted",
      "snapshotted → recordingFailure",
      "recordingFailure → retrying",
      "retrying → queued",
      "queued → snapshotted",
      "snapshotted → signed",
      "signed → stored",
      "stored → annotated",
    ]);
    expect(stdout).toContain("injected by the REPL ('fail signer')");
    expect(stdout).toMatch(/Event Warning SigningRetry on TaskRun\/default\/build-image/);
    expect(stdout).toMatch(/^ {2}chains\.tekton\.dev\/retries: 0$/m);
  });

  it("ends failed once the retry budget is spent, with doubling simulated retry delays", async () => {
    const { code, stdout } = await runScript([
      `load ${taskRun}`,
      "fail signer",
      "fail signer",
      "fail signer 3",
      "run",
      "state",
      "annotations",
    ]);
    expect(code).toBe(0);
    const states = transitions(stdout);
    expect(states.filter((t) => t === "snapshotted → recordingFailure")).toHaveLength(5);
    expect(states.at(-1)).toBe("recordingFailure → failed");
    expect([...stdout.matchAll(/retry delay elapsed \((\d+) ms, simulated\)/g)].map((m) => Number(m[1]))).toEqual([
      2000, 4000, 8000, 16000,
    ]);
    expect(lastState(stdout)).toBe("failed");
    expect(stdout).toMatch(/^ {2}chains\.tekton\.dev\/signed: failed$/m);
  });

  it("'back' restores the previous snapshot and the run's annotations, and stepping again redoes the transition", async () => {
    const { code, stdout } = await runScript([
      `load ${taskRun}`,
      "fail signer",
      "step",
      "step",
      "step",
      "step",
      "annotations",
      "back",
      "state",
      "annotations",
      "step",
      "step",
      "back",
      "state",
      "step",
      "state",
    ]);
    expect(code).toBe(0);
    const sections = stdout.split(/^(?=on the run \(cluster\):)/m);
    expect(sections[1]).toMatch(/chains\.tekton\.dev\/retries: 0/);
    expect(sections[2]).toMatch(/no chains\.tekton\.dev annotations/);
    expect([...stdout.matchAll(/^state: (\S+)/gm)].map((m) => m[1])).toEqual(["recordingFailure", "retrying", "queued"]);
    expect(transitions(stdout).slice(-3)).toEqual([
      "recordingFailure → retrying",
      "retrying → queued",
      "retrying → queued",
    ]);
  });

  it("explains why a run would not be signed", async () => {
    const { code, stdout, stderr } = await runScript([`load ${fixture("taskrun-running.yaml")}`, "step", "complete", "step"]);
    expect(code).toBe(1);
    expect(stdout).toMatch(/it would not be signed: it has not completed \(Succeeded condition: Unknown\)/);
    expect(stderr).toMatch(/^error \(line 2\): TaskRun\/default\/still-running would not be signed: it has not completed/m);
    expect(transitions(stdout)).toEqual(["(new) → pending"]);
  });

  it("refuses an invalid config value and keeps the previous config", async () => {
    const { code, stdout, stderr } = await runScript([
      "set artifacts.taskrun.format slsa/v2alpha4",
      "set artifacts.taskrun.format slsa/v9",
      "config",
    ]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/^error \(line 2\): chains-config: invalid value "slsa\/v9" for key "artifacts\.taskrun\.format".*the previous config is kept$/m);
    expect(stdout).toMatch(/^ {2}taskrun: format slsa\/v2alpha4,/m);
  });

  it("reports unknown commands and unreadable files as errors, and the script's exit status is 1", async () => {
    const { code, stdout, stderr } = await runCli([], ["frobnicate", `load ${fixture("no-such-run.json")}`, "help", "quit", "frobnicate"]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/^error \(line 1\): unknown command 'frobnicate'; 'help' lists the commands$/m);
    expect(stderr).toMatch(/^error \(line 2\): cannot read .*no-such-run\.json/m);
    // `quit` ends the script: the command after it never runs.
    expect(stderr.match(/unknown command/g)).toHaveLength(1);
    expect(stdout).toMatch(/^ {2}step {2,}move the run's statechart by one transition/m);
    expect(stdout).not.toContain("chains>");
  });

  it("exits 0 from a piped script whose commands all succeed", async () => {
    const { code, stdout, stderr } = await runCli(["--echo", taskRun], ["run"]);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout).toMatch(/^> run$/m);
    expect(transitions(stdout).at(-1)).toBe("stored → annotated");
  });

  it("waits for a PipelineRun's children and continues when one is loaded", async () => {
    const { code, stdout } = await runScript([
      `load ${fixture("pipelinerun.yaml")}`,
      `load ${fixture("release-fetch.yaml")}`,
      "step",
      "step",
      `load ${fixture("release-build.yaml")}`,
      "step",
      "step",
      "step",
      "step",
      "state",
    ]);
    expect(code).toBe(0);
    expect(transitions(stdout)).toEqual([
      "(new) → pending",
      "pending → awaitingChildren",
      "awaitingChildren → queued",
      "queued → pending",
      "pending → awaitingChildren",
      "awaitingChildren → queued",
      "queued → pending",
    ]);
    expect(stdout).toMatch(/child wait elapsed \(600000 ms, simulated\)/);
  });
});
