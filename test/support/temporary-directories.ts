import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";

/**
 * Temporary directories for one test file: call this at the top level of the file; the function it
 * returns makes a directory under the OS temporary directory, and the file's afterAll removes every
 * one it made.
 */
export const temporaryDirectories = (): ((prefix: string) => string) => {
  const made: Array<string> = [];
  afterAll(() => {
    for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  return (prefix) => {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    made.push(dir);
    return dir;
  };
};
