import { execFile } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCommandLine } from "../support/command-output.ts";

const cli = fileURLToPath(new URL("../../bin/chains-ts", import.meta.url));
const env = { KUBECONFIG: "", CHAINS_TS_REPL_HISTORY: "" };
const chainsTs = (args: ReadonlyArray<string>, stdin = "") =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    const child = execFile(cli, args, { env: { ...process.env, ...env } }, (error, stdout, stderr) =>
      resolve({ code: error === null ? 0 : typeof error.code === "number" ? error.code : -1, stdout, stderr }),
    );
    child.stdin?.end(stdin);
  });

let dir = "";
const at = (name: string) => join(dir, name);
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "chains-bad-input-"));
  await writeFile(at("empty.json"), "");
  await writeFile(at("broken.json"), '{\n  "kind": "TaskRun",\n  "status": ]\n}');
  await writeFile(at("broken.yaml"), "kind: TaskRun\nstatus:\n  results: [\n");
  await writeFile(at("array.json"), "[1, 2]");
  await writeFile(at("bogus-signer.json"), JSON.stringify({ "artifacts.taskrun.signer": "bogus" }));
  await writeFile(at("pgp.asc"), "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nxyz\n-----END PGP PUBLIC KEY BLOCK-----\n");
  await mkdir(at("a-directory"));
  await writeFile(at("cosign.pub"), generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey.export({ type: "spki", format: "pem" }));
  // Nothing listens on port 1: every request is refused.
  await writeFile(
    at("refused.kubeconfig"),
    JSON.stringify({
      apiVersion: "v1",
      kind: "Config",
      clusters: [{ name: "c", cluster: { server: "https://127.0.0.1:1" } }],
      users: [{ name: "u", user: {} }],
      contexts: [{ name: "c", context: { cluster: "c", user: "u" } }],
      "current-context": "c",
    }),
  );
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** [command line, exit status, what the message must name]. Every bad-input class, every command. */
const cases = (): ReadonlyArray<readonly [ReadonlyArray<string>, number, string]> => [
  [["provenance", at("empty.json")], 2, "is empty"],
  [["provenance", at("broken.json")], 2, "invalid JSON at line 3 column 13"],
  [["provenance", at("broken.yaml")], 2, "invalid YAML at line"],
  [["provenance", at("array.json")], 2, "got an array"],
  [["provenance", at("a-directory")], 2, "EISDIR"],
  [["provenance", at("missing.json")], 2, "ENOENT"],
  [["provenance", "--config", at("broken.json"), at("array.json")], 2, "invalid JSON"],
  [["provenance", "--format", "nope", at("array.json")], 2, "got an array"],
  [["verify", "--key", at("pgp.asc"), at("array.json")], 2, "not a PEM public key"],
  [["verify", "--key", at("empty.json"), at("array.json")], 2, "not a PEM public key"],
  [["verify", "--key", at("missing.pub"), at("array.json")], 2, "cannot read"],
  [["verify", "--key", at("cosign.pub"), "taskrun/x", "--kubeconfig", at("missing")], 2, "ENOENT"],
  [["verify", "--key", at("cosign.pub"), "taskrun/x", "--kubeconfig", at("refused.kubeconfig")], 2, "API discovery"],
  [["verify", "--key", at("cosign.pub"), "taskrun/x", "-n"], 2, "-n needs a value"],
  [["payload"], 2, "expected exactly one RUN"],
  [["payload", "job/x"], 2, "expected taskrun/NAME or pipelinerun/NAME"],
  [["payload", "taskrun/x", "--kubeconfig", at("missing")], 1, "ENOENT"],
  [["payload", "taskrun/x", "--kubeconfig", at("refused.kubeconfig")], 1, "API discovery"],
  [["signature", "taskrun/x", "--bogus"], 2, "--bogus"],
  [["signature", "pr/x", "--kubeconfig", at("empty.json")], 1, at("empty.json")],
  [["signature", "taskrun/x", "-S"], 2, "unknown option -S"],
  [["cleanup", "-n", "x", "--all-namespaces"], 2, "contradict"],
  [["cleanup", "extra"], 2, "unexpected argument extra"],
  [["cleanup", "--kubeconfig", at("missing")], 1, "ENOENT"],
  [["cleanup", "--kubeconfig", at("refused.kubeconfig")], 1, "API discovery"],
  [["demo", "--config", at("empty.json")], 2, "is empty"],
  [["demo", "--config", at("broken.json")], 2, "invalid JSON at line 3 column 13"],
  [["demo", "--config", at("array.json")], 2, "a list"],
  [["demo", "--config", at("bogus-signer.json")], 2, "artifacts.taskrun.signer"],
  [["demo", "--signing-secrets", at("missing")], 2, at("missing")],
  [["demo", "--signing-secrets", at("empty.json")], 2, at("empty.json")],
  [["demo", "--bogus"], 2, "--bogus"],
  [["controller", "--kubeconfig", at("empty.json"), "--disable-ha"], 1, at("empty.json")],
  [["controller", "--kubeconfig", at("missing"), "--disable-ha"], 1, "ENOENT"],
  [["controller", "--signing-secrets", at("missing")], 1, "no such directory"],
  [["controller", "--threads-per-controller", "zero"], 2, "--threads-per-controller"],
  [["controller", "--kube-api-burst", "0"], 2, "--kube-api-burst"],
  [["controller", "--trusted-root", at("missing.json")], 1, `--trusted-root ${at("missing.json")}: no such file`],
  [["repl", "--config", at("broken.json")], 1, "invalid JSON at line 3 column 13"],
  [["repl", at("array.json")], 1, "expected a TaskRun or PipelineRun object"],
  [["nope"], 2, "unknown command 'nope'"],
];

/** The command line's exit status and message: what every bad-input case must show. */
const expectReported = (args: ReadonlyArray<string>, code: number, cause: string, result: { code: number; stderr: string }) => {
  const context = `chains-ts ${args.join(" ")}\n${result.stderr}`;
  expect(result.code, context).toBe(code);
  expect(result.stderr, context).toContain(cause);
  expect(result.stderr, context).not.toMatch(/^\s+at /m);
  const lines = result.stderr.trimEnd().split("\n");
  // The message is one line; some commands follow a command-line error with their usage text.
  expect(lines[0], context).toMatch(/^(chains-ts( \w+)?: |error: )/);
  expect(lines.filter((l) => l.includes(cause)).length, context).toBeGreaterThan(0);
};

/** An unknown command is main.ts's own error; the REPL reads the process's stdin. */
const onlyAsProcess = (args: ReadonlyArray<string>) => args[0] === "nope" || args[0] === "repl";

describe("every command on bad input", () => {
  it("exits non-zero with a message naming the cause, and never prints a stack trace", async () => {
    for (const [args, code, cause] of cases()) if (!onlyAsProcess(args)) expectReported(args, code, cause, await runCommandLine(args, env));
  });

  // Starting a process costs about a second on 2 cores: the first case of each command goes through
  // bin/chains-ts and main.ts as well, and so do the cases that only a process can run.
  it("does the same as a process started by bin/chains-ts", { timeout: 120_000 }, async () => {
    const all = cases();
    const asProcess = all.filter(([args], i) => onlyAsProcess(args) || all.findIndex(([other]) => other[0] === args[0]) === i);
    await Promise.all(asProcess.map(async ([args, code, cause]) => expectReported(args, code, cause, await chainsTs(args, "quit\n"))));
  });
});
