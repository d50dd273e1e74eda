import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { expect, it } from "vitest";

const root = fileURLToPath(new URL("../..", import.meta.url));
const checker = fileURLToPath(new URL("../../../shared/conformance/check.mjs", import.meta.url));

it("passes every conformance case", { timeout: 600_000 }, async () => {
  const run = promisify(execFile);
  const { stdout } = await run(process.execPath, [checker, "--project", root, "--jobs", "2"], {
    cwd: root,
    maxBuffer: 16 * 1024 * 1024,
  }).catch((error: { stdout?: string; stderr?: string; code?: number }) => {
    // A failing case makes the checker exit 1; its output says which case and why.
    throw new Error(`conformance checker exited ${String(error.code)}:\n${error.stdout ?? ""}\n${error.stderr ?? ""}`);
  });
  const last = stdout.trim().split("\n").at(-1) ?? "";
  const counts = /^(\d+) passed, (\d+) failed$/.exec(last);
  expect(counts, `unexpected last line: ${last}`).not.toBeNull();
  expect(Number(counts?.[1])).toBeGreaterThan(0);
  expect(Number(counts?.[2])).toBe(0);
});
