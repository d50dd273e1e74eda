import type { ListedCommand } from "./command.ts";
import { controllerHelp } from "./controller-command-help.ts";
import { demoHelp } from "./demo-command-help.ts";
import { provenanceHelp } from "./provenance-command-help.ts";
import { replHelp } from "./repl-command-help.ts";
import { verifyHelp } from "./verify-command-help.ts";

/**
 * Every subcommand, looked up by name. Each lives in its own `*-command.ts` file, with its help in
 * `*-command-help.ts`: a command's code is imported only when it runs, so `--help` and one command
 * do not pay for loading every other command's libraries.
 */
export const commands: ReadonlyArray<ListedCommand> = [
  { ...controllerHelp, load: async () => (await import("./controller-command.ts")).controllerCommand },
  { ...demoHelp, load: async () => (await import("./demo-command.ts")).demoCommand },
  { ...provenanceHelp, load: async () => (await import("./provenance-command.ts")).provenanceCommand },
  { ...replHelp, load: async () => (await import("./repl-command.ts")).replCommand },
  { ...verifyHelp, load: async () => (await import("./verify-command.ts")).verifyCommand },
];
