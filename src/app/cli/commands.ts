import { cleanupHelp } from "./cleanup-command-help.ts";
import type { ListedCommand } from "./command.ts";
import { controllerHelp } from "./controller-command-help.ts";
import { demoHelp } from "./demo-command-help.ts";
import { payloadHelp } from "./payload-command-help.ts";
import { provenanceHelp } from "./provenance-command-help.ts";
import { replHelp } from "./repl-command-help.ts";
import { signatureHelp } from "./signature-command-help.ts";
import { verifyHelp } from "./verify-command-help.ts";

/**
 * Every subcommand, looked up by name. Each lives in its own `*-command.ts` file, with its help in
 * `*-command-help.ts`: a command's code is imported only when it runs, so `--help` and one command
 * do not pay for loading every other command's libraries.
 */
export const commands: ReadonlyArray<ListedCommand> = [
  { ...cleanupHelp, load: async () => (await import("./cleanup-command.ts")).cleanupCommand },
  { ...controllerHelp, load: async () => (await import("./controller-command.ts")).controllerCommand },
  { ...demoHelp, load: async () => (await import("./demo-command.ts")).demoCommand },
  { ...payloadHelp, load: async () => (await import("./payload-command.ts")).payloadCommand },
  { ...provenanceHelp, load: async () => (await import("./provenance-command.ts")).provenanceCommand },
  { ...replHelp, load: async () => (await import("./repl-command.ts")).replCommand },
  { ...signatureHelp, load: async () => (await import("./signature-command.ts")).signatureCommand },
  { ...verifyHelp, load: async () => (await import("./verify-command.ts")).verifyCommand },
];
