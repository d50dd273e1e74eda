import { cleanupCommand } from "./cleanup-command.ts";
import type { CliCommand } from "./command.ts";
import { controllerCommand } from "./controller-command.ts";
import { demoCommand } from "./demo-command.ts";
import { payloadCommand } from "./payload-command.ts";
import { provenanceCommand } from "./provenance-command.ts";
import { replCommand } from "./repl-command.ts";
import { signatureCommand } from "./signature-command.ts";
import { verifyCommand } from "./verify-command.ts";

/** Every subcommand, looked up by name. Each lives in its own `*-command.ts` file. */
export const commands: ReadonlyArray<CliCommand> = [
  cleanupCommand,
  controllerCommand,
  demoCommand,
  payloadCommand,
  provenanceCommand,
  replCommand,
  signatureCommand,
  verifyCommand,
];
