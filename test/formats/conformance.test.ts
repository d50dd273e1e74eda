import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";
import { provenanceCommand } from "../../src/app/cli/provenance-command.ts";
import { runCommand } from "../support/command-output.ts";
import { comparisonSides, type ConformanceExpectation } from "./conformance-comparison.ts";

/** Tekton Chains' own expectations for its payload formatters (test/fixtures/README.md). */
const casesDir = fileURLToPath(new URL("../fixtures/conformance-cases/", import.meta.url));
const caseIds = readdirSync(casesDir)
  .filter((id) => existsSync(join(casesDir, id, "input.json")))
  .sort();

const readJson = (path: string): any => JSON.parse(readFileSync(path, "utf8"));

const expectationOf = (dir: string): ConformanceExpectation => {
  const unordered: ReadonlyArray<string> = readJson(join(dir, "meta.json")).unordered ?? [];
  const whole = join(dir, "expected.json");
  if (existsSync(whole)) return { whole: readJson(whole), unordered };
  const partial = readJson(join(dir, "expected.partial.json"));
  return { fragments: partial.fragments ?? {}, absent: partial.absent ?? [], unordered };
};

/** The command line the corpus gives the CLI: config, then the child TaskRuns in file-name order, then the run. */
const argumentsOf = (dir: string): ReadonlyArray<string> => {
  const children = join(dir, "taskruns");
  const taskruns = existsSync(children) ? readdirSync(children).sort() : [];
  return ["--config", join(dir, "config.json"), ...taskruns.flatMap((file) => ["--taskrun", join(children, file)]), join(dir, "input.json")];
};

it("has the corpus in the repository", () => {
  expect(caseIds.length).toBeGreaterThan(0);
});

it.each(caseIds)("%s", async (id) => {
  const dir = join(casesDir, id);
  const { code, stdout, stderr } = await runCommand(provenanceCommand, argumentsOf(dir));
  expect(code, stderr).toBe(0);
  // stdout must be exactly one JSON document: JSON.parse rejects anything before or after it.
  const { expected, actual } = comparisonSides(expectationOf(dir), JSON.parse(stdout));
  expect(actual).toStrictEqual(expected);
});
