import type { CliCommand } from "./command.ts";
import { DocumentUnreadable } from "./document-unreadable.ts";

/** The command line is wrong, or an input says something the command cannot use. Exit status 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** Set (to anything but "" or "0") to get the stack trace of an internal error. */
const DEBUG_VARIABLE = "CHAINS_TS_DEBUG";

const firstLine = (text: string): string => text.split("\n")[0] ?? "";

/**
 * Wraps a command's `run` (main.ts wraps every command) so that nothing escapes as a stack trace:
 * usage and input errors print `chains-ts NAME: message` and exit 2; any other error is a bug in
 * chains-ts and prints one `internal error` line and exits 1 (its stack only with CHAINS_TS_DEBUG).
 */
export const reportingErrors =
  (name: string, run: CliCommand["run"]): CliCommand["run"] =>
  async (argv) => {
    try {
      return await run(argv);
    } catch (error) {
      if (error instanceof UsageError || error instanceof DocumentUnreadable) {
        process.stderr.write(`chains-ts ${name}: ${error.message}\n`);
        return 2;
      }
      const debug = !["", "0", undefined].includes(process.env[DEBUG_VARIABLE]);
      const what = error instanceof Error ? `${error.name}: ${firstLine(error.message)}` : firstLine(String(error));
      process.stderr.write(`chains-ts ${name}: internal error: ${what} (a bug in chains-ts; ${DEBUG_VARIABLE}=1 shows where)\n`);
      if (debug && error instanceof Error && error.stack !== undefined) process.stderr.write(`${error.stack}\n`);
      return 1;
    }
  };
