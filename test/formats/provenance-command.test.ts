import { execFile } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { provenanceCommand } from "../../src/app/cli/provenance-command.ts";
import { runCommand } from "../support/command-output.ts";
import { temporaryDirectories } from "../support/temporary-directories.ts";

const cli = fileURLToPath(new URL("../../bin/chains-ts", import.meta.url));
const run = (args: ReadonlyArray<string>) =>
  promisify(execFile)(cli, ["provenance", ...args]).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code?: number; stdout?: string; stderr?: string }) => ({ code: error.code ?? -1, stdout: error.stdout ?? "", stderr: error.stderr ?? "" }),
  );

const hex = "c".repeat(64);
const temporaryDirectory = temporaryDirectories();

describe("chains-ts provenance", () => {
  it("documents every flag in its help", () => {
    for (const flag of ["--config", "--format", "--kind", "--taskrun", "RUN-FILE"]) expect(provenanceCommand.help).toContain(flag);
  });

  it("reads a YAML ConfigMap and a YAML TaskRun, printing only the statement", { timeout: 180_000 }, async () => {
    const dir = temporaryDirectory("chains-ts-provenance-");
    const config = join(dir, "config.yaml");
    const taskRun = join(dir, "tr.yaml");
    await writeFile(
      config,
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: chains-config\ndata:\n  artifacts.taskrun.format: slsa/v2alpha4\n  builder.id: https://example.com/builder\n`,
    );
    await writeFile(
      taskRun,
      `apiVersion: tekton.dev/v1\nkind: TaskRun\nmetadata:\n  name: tr\n  uid: u1\nspec:\n  taskRef:\n    name: build\nstatus:\n  results:\n    - name: IMAGE_URL\n      value: gcr.io/x/app\n    - name: IMAGE_DIGEST\n      value: sha256:${hex}\n`,
    );
    const out = await run(["--config", config, taskRun]);
    expect(out.code).toBe(0);
    const statement = JSON.parse(out.stdout) as Record<string, any>;
    expect(statement["predicateType"]).toBe("https://slsa.dev/provenance/v1");
    expect(statement["predicate"]["runDetails"]["builder"]["id"]).toBe("https://example.com/builder");
    expect(statement["subject"]).toEqual([{ name: "gcr.io/x/app", digest: { sha256: hex } }]);

    const images = await run(["--format", "simplesigning", taskRun]);
    expect(JSON.parse(images.stdout)["critical"]["identity"]["docker-reference"]).toBe("gcr.io/x/app");
  });

  it("exits 2 with a message on stderr for a bad flag or a missing file", { timeout: 180_000 }, async () => {
    const bad = await run(["--nope", "x.json"]);
    expect(bad.code).toBe(2);
    expect(bad.stdout).toBe("");
    expect(bad.stderr).toContain("unknown option --nope");
    const missing = await run(["/nonexistent/run.json"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("cannot read /nonexistent/run.json");
  });
});

describe("chains-ts provenance on a RUN-FILE it cannot use", () => {
  const finishedTaskRun = {
    apiVersion: "tekton.dev/v1",
    kind: "TaskRun",
    metadata: { name: "tr", uid: "u1" },
    spec: { taskRef: { name: "build" } },
    status: { conditions: [{ type: "Succeeded", status: "True" }] },
  };
  // In this process, as main.ts runs the command: the first describe covers the process boundary.
  const withFile = async (name: string, content: string) => {
    const path = join(temporaryDirectory("chains-ts-provenance-"), name);
    await writeFile(path, content);
    return { path, result: await runCommand(provenanceCommand, [path]) };
  };
  /** Exit 2, nothing on stdout, and exactly one line on stderr that is not a stack frame. */
  const expectOneLineInputError = (result: { code: number; stdout: string; stderr: string }): string => {
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).not.toMatch(/^\s+at /m);
    expect(result.stderr.trimEnd().split("\n")).toHaveLength(1);
    return result.stderr.trimEnd();
  };

  it("says the file is empty, for an empty or blank file", { timeout: 60_000 }, async () => {
    for (const content of ["", " \n\t\n"]) {
      const { path, result } = await withFile("run.json", content);
      expect(expectOneLineInputError(result)).toBe(`chains-ts provenance: ${path} is empty`);
    }
  });

  it("gives the line and column of a JSON syntax error", { timeout: 60_000 }, async () => {
    const lines = ['{', '  "kind": "TaskRun",', '  "status": ]', '}'];
    const { path, result } = await withFile("run.json", lines.join("\n"));
    const column = lines[2]!.indexOf("]") + 1;
    expect(expectOneLineInputError(result)).toMatch(new RegExp(`^chains-ts provenance: ${path}: invalid JSON at line 3 column ${column}: .+`));
  });

  it("gives the line and column of a YAML syntax error", { timeout: 60_000 }, async () => {
    const { path, result } = await withFile("run.yaml", "kind: TaskRun\nstatus:\n  results: [\n");
    expect(expectOneLineInputError(result)).toMatch(new RegExp(`^chains-ts provenance: ${path}: invalid YAML at line \\d+ column \\d+: .+`));
  });

  it("names what it got instead of an object", { timeout: 60_000 }, async () => {
    for (const [content, got] of [["[1, 2]", "an array"], ['"TaskRun"', "a string"], ["42", "a number"], ["null", "null"]] as const) {
      const { path, result } = await withFile("run.json", content);
      expect(expectOneLineInputError(result)).toBe(`chains-ts provenance: ${path}: expected a TaskRun or PipelineRun object, got ${got}`);
    }
  });

  it("refuses an apiVersion other than tekton.dev/v1 or v1beta1", { timeout: 60_000 }, async () => {
    const { path, result } = await withFile("run.json", JSON.stringify({ ...finishedTaskRun, apiVersion: "tekton.dev/v9" }));
    expect(expectOneLineInputError(result)).toBe(
      `chains-ts provenance: ${path}: unsupported apiVersion "tekton.dev/v9": expected tekton.dev/v1 or tekton.dev/v1beta1`,
    );
    const { result: v1beta1 } = await withFile("run.json", JSON.stringify({ ...finishedTaskRun, apiVersion: "tekton.dev/v1beta1" }));
    expect(v1beta1.code).toBe(0);
  });

  it("refuses a run with no status: it has not finished", { timeout: 60_000 }, async () => {
    const { status: _, ...unfinished } = finishedTaskRun;
    const { path, result } = await withFile("run.json", JSON.stringify(unfinished));
    expect(expectOneLineInputError(result)).toBe(`chains-ts provenance: ${path}: the TaskRun has not finished (it has no status)`);
  });

  it("warns, and still prints the payload, for a run whose Succeeded condition is Unknown", { timeout: 60_000 }, async () => {
    const running = { ...finishedTaskRun, status: { conditions: [{ type: "Succeeded", status: "Unknown", reason: "Running" }] } };
    const { result } = await withFile("run.json", JSON.stringify(running));
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toHaveProperty("predicateType");
    expect(result.stderr).toContain("the TaskRun has not finished (Succeeded is Unknown: Running)");
  });
});
