import { readdirSync } from "node:fs";
import { findCommand, replCommands } from "./repl-commands.ts";

/** Entries of the directory part of `partial` whose names start with its last part; directories end in `/`. */
const completePath = (partial: string): Array<string> => {
  const slash = partial.lastIndexOf("/");
  const directory = slash < 0 ? "" : partial.slice(0, slash + 1);
  const prefix = partial.slice(slash + 1);
  try {
    return readdirSync(directory === "" ? "." : directory, { withFileTypes: true })
      .filter((entry) => entry.name.startsWith(prefix) && (prefix.startsWith(".") || !entry.name.startsWith(".")))
      .map((entry) => `${directory}${entry.name}${entry.isDirectory() ? "/" : ""}`)
      .sort();
  } catch {
    return [];
  }
};

/**
 * node:readline's completer: command names for the first word, then what the command takes
 * (file paths for `load`/`config`/`keys`, port names for `fail`, …).
 */
export const completeLine = (line: string): [Array<string>, string] => {
  const firstSpace = line.search(/\s/);
  if (firstSpace < 0) return [replCommands.map((c) => c.name).filter((name) => name.startsWith(line)), line];
  const command = findCommand(line.slice(0, firstSpace));
  const words = line.slice(firstSpace).trimStart().split(/\s+/);
  const partial = words.at(-1) ?? "";
  if (command?.completes === undefined || words.length > 1) return [[], partial];
  const candidates = command.completes === "path" ? completePath(partial) : command.completes.filter((w) => w.startsWith(partial));
  return [candidates, partial];
};
