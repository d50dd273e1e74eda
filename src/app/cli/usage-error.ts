import type { CliCommand } from "./command.ts";
import { DocumentUnreadable } from "./read-document.ts";

/** The command line is wrong, or an input says something the command cannot use. Exit status 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/**
 * Wraps a command's `run` so that usage and input errors print `chains-ts NAME: message` on stderr
 * and exit with status 2; any other error is a bug and propagates.
 */
export const reportingUsageErrors =
  (name: string, run: CliCommand["run"]): CliCommand["run"] =>
  async (argv) => {
    try {
      return await run(argv);
    } catch (error) {
      if (error instanceof UsageError || error instanceof DocumentUnreadable) {
        process.stderr.write(`chains-ts ${name}: ${error.message}\n`);
        return 2;
      }
      throw error;
    }
  };
