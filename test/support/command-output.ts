import { vi } from "vitest";
import type { CliCommand } from "../../src/app/cli/command.ts";

/** Runs `chains-ts NAME ARGS` in this process: its exit status and what it printed on stdout and stderr. */
export const runCommand = async (command: CliCommand, args: ReadonlyArray<string>) => {
  let stdout = "";
  let stderr = "";
  const out = vi.spyOn(process.stdout, "write").mockImplementation((chunk) => ((stdout += String(chunk)), true));
  const err = vi.spyOn(process.stderr, "write").mockImplementation((chunk) => ((stderr += String(chunk)), true));
  try {
    const code = await command.run(args);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
};
