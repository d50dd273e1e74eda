import { vi } from "vitest";
import type { CliCommand } from "../../src/app/cli/command.ts";
import { commands } from "../../src/app/cli/commands.ts";
import { reportingErrors } from "../../src/app/cli/usage-error.ts";

/** What a write to stdout or stderr printed: commands write text, and bytes (payloads, signatures). */
const printed = (chunk: string | Uint8Array): Buffer => (typeof chunk === "string" ? Buffer.from(chunk, "utf8") : Buffer.from(chunk));

/**
 * Runs `chains-ts NAME ARGS` in this process as main.ts does (errors reported, not thrown): its exit
 * status and what it printed on stdout and stderr, and stdout's exact bytes.
 */
export const runCommand = async (command: CliCommand, args: ReadonlyArray<string>) => {
  const stdout: Array<Buffer> = [];
  const stderr: Array<Buffer> = [];
  const out = vi.spyOn(process.stdout, "write").mockImplementation((chunk) => (stdout.push(printed(chunk)), true));
  const err = vi.spyOn(process.stderr, "write").mockImplementation((chunk) => (stderr.push(printed(chunk)), true));
  try {
    const code = await reportingErrors(command.name, command.run)(args);
    const stdoutBytes = Buffer.concat(stdout);
    return { code, stdout: stdoutBytes.toString("utf8"), stdoutBytes, stderr: Buffer.concat(stderr).toString("utf8") };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
};

/**
 * Runs `chains-ts ARGV` in this process as main.ts does for a listed command (its code loaded by
 * name, its errors reported), with `env` set in process.env while it runs.
 */
export const runCommandLine = async ([name, ...rest]: ReadonlyArray<string>, env: Readonly<Record<string, string>> = {}) => {
  const listed = commands.find((c) => c.name === name);
  if (listed === undefined) throw new Error(`chains-ts has no command ${name}`);
  for (const [key, value] of Object.entries(env)) vi.stubEnv(key, value);
  try {
    return await runCommand(await listed.load(), rest);
  } finally {
    vi.unstubAllEnvs();
  }
};
