import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * vitest global setup: the whole run gets one temporary directory, made the TMPDIR of every test
 * worker (and of the processes they start), and removed when the run ends. Every test removes
 * what it makes; whatever is still there at the end is named as an error, so a test that leaks
 * temporary files fails the run instead of filling /tmp.
 */
export default function setup(): () => void {
  const dir = mkdtempSync(join(tmpdir(), "chains-ts-test-"));
  const previous = process.env["TMPDIR"];
  process.env["TMPDIR"] = dir;
  return () => {
    if (previous === undefined) delete process.env["TMPDIR"];
    else process.env["TMPDIR"] = previous;
    const left = readdirSync(dir);
    rmSync(dir, { recursive: true, force: true });
    if (left.length === 0) return;
    // vitest reports an error thrown here but still exits 0: the exit status is set as well.
    process.exitCode = 1;
    throw new Error(`tests left these in their temporary directory (now removed): ${left.sort().join(", ")}`);
  };
}
