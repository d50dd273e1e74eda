import { vi } from "vitest";
import type { CliCommand } from "../../src/app/cli/command.ts";
import { reportingErrors } from "../../src/app/cli/usage-error.ts";

/** Runs `chains-ts NAME ARGS` in this process as main.ts does (errors reported, not thrown): its exit status and what it printed on stdout and stderr. */
export const runCommand = async (command: CliCommand, args: ReadonlyArray<string>) => {
  let stdout = "";
  let stderr = "";
  const out = vi.spyOn(process.stdout, "write").mockImplementation((chunk) => ((stdout += String(chunk)), true));
  const err = vi.spyOn(process.stderr, "write").mockImplementation((chunk) => ((stderr += String(chunk)), true));
  try {
    const code = await reportingErrors(command.name, command.run)(args);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
};
