import { readFileSync, writeFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { splitCommandLine } from "./command-line.ts";
import { type CommandResult, findCommand } from "./repl-commands.ts";
import { ReplCommandFailed } from "./repl-error.ts";
import { ReplSession } from "./repl-session.ts";
import { completeLine } from "./tab-completion.ts";

export interface ReplOptions {
  readonly input: NodeJS.ReadableStream;
  readonly output: NodeJS.WritableStream;
  readonly errors: NodeJS.WritableStream;
  /** A terminal: prompt, line editing, tab completion, history. Otherwise a script, line by line. */
  readonly interactive: boolean;
  /** Print each command (`> load run.json`) before its output, for readable scripted transcripts. */
  readonly echo: boolean;
  /** Command lines to run before reading input (from the CLI's options). */
  readonly initialCommands: ReadonlyArray<string>;
  /** Where an interactive session keeps its command history; none when undefined. */
  readonly historyFile: string | undefined;
}

const HISTORY_SIZE = 500;

const readHistory = (file: string | undefined): Array<string> => {
  if (file === undefined) return [];
  try {
    return readFileSync(file, "utf8").split("\n").filter((line) => line !== "").reverse().slice(0, HISTORY_SIZE);
  } catch {
    return [];
  }
};

/**
 * Runs one command line. A failed command prints `error: …` on the error stream and returns
 * "failed"; anything else thrown is a bug and is reported as an internal error, also "failed".
 */
const execute = async (
  session: ReplSession,
  line: string,
  report: (message: string) => void,
): Promise<CommandResult | "failed"> => {
  const { words, rest } = splitCommandLine(line);
  const [name, ...args] = words;
  if (name === undefined || name.startsWith("#")) return "continue";
  const command = findCommand(name);
  if (command === undefined) {
    report(`unknown command '${name}'; 'help' lists the commands`);
    return "failed";
  }
  try {
    return await command.run(session, args, rest);
  } catch (error) {
    report(error instanceof ReplCommandFailed ? error.reason : `internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return "failed";
  }
};

/**
 * The REPL's loop over node:readline. Returns the exit code: in a script (input not a terminal),
 * 1 when any command failed, else 0; an interactive session always ends with 0.
 */
export const runRepl = async (options: ReplOptions): Promise<number> => {
  const write = (stream: NodeJS.WritableStream) => (line: string) => void stream.write(`${line}\n`);
  const session = new ReplSession(write(options.output));
  let failures = 0;
  let lineNumber = 0;
  const report = (where: string) => (message: string) => write(options.errors)(`error${where}: ${message}`);
  try {
    session.greet();
    for (const line of options.initialCommands) {
      if ((await execute(session, line, report(""))) === "failed") failures++;
    }
    const rl = createInterface({
      input: options.input,
      ...(options.interactive
        ? {
            output: options.output,
            terminal: true,
            completer: completeLine,
            history: readHistory(options.historyFile),
            historySize: HISTORY_SIZE,
          }
        : { terminal: false }),
      prompt: "chains> ",
    });
    if (options.interactive && options.historyFile !== undefined) {
      const file = options.historyFile;
      rl.on("history", (history: Array<string>) => {
        try {
          writeFileSync(file, [...history].reverse().join("\n") + "\n");
        } catch {
          // History is a convenience: an unwritable file must not break the session.
        }
      });
    }
    if (options.interactive) rl.prompt();
    for await (const line of rl) {
      lineNumber++;
      if (options.echo && !options.interactive && line.trim() !== "") write(options.output)(`> ${line.trim()}`);
      const result = await execute(session, line, report(options.interactive ? "" : ` (line ${lineNumber})`));
      if (result === "failed") failures++;
      if (result === "quit") break;
      if (options.interactive) rl.prompt();
    }
    rl.close();
  } finally {
    await session.dispose();
  }
  return options.interactive || failures === 0 ? 0 : 1;
};
