import { execFile } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { provenanceCommand } from "../../src/app/cli/provenance-command.ts";

const cli = fileURLToPath(new URL("../../bin/chains-ts", import.meta.url));
const run = (args: ReadonlyArray<string>) =>
  promisify(execFile)(cli, ["provenance", ...args]).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code?: number; stdout?: string; stderr?: string }) => ({ code: error.code ?? -1, stdout: error.stdout ?? "", stderr: error.stderr ?? "" }),
  );

const hex = "c".repeat(64);

describe("chains-ts provenance", () => {
  it("documents every flag in its help", () => {
    for (const flag of ["--config", "--format", "--kind", "--taskrun", "RUN-FILE"]) expect(provenanceCommand.help).toContain(flag);
  });

  it("reads a YAML ConfigMap and a YAML TaskRun, printing only the statement", { timeout: 60_000 }, async () => {
    const dir = await mkdtemp(join(tmpdir(), "chains-ts-provenance-"));
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

  it("exits 2 with a message on stderr for a bad flag or a missing file", { timeout: 60_000 }, async () => {
    const bad = await run(["--nope", "x.json"]);
    expect(bad.code).toBe(2);
    expect(bad.stdout).toBe("");
    expect(bad.stderr).toContain("unknown option --nope");
    const missing = await run(["/nonexistent/run.json"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("cannot read /nonexistent/run.json");
  });
});
