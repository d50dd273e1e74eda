import type { CliCommand } from "./command.ts";

/** Every subcommand, looked up by name. Each lives in its own `*-command.ts` file. */
export const commands: ReadonlyArray<CliCommand> = [];
