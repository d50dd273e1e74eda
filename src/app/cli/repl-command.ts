import { homedir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { runRepl } from "../repl/repl-loop.ts";
import type { CliCommand } from "./command.ts";
import { replHelp } from "./repl-command-help.ts";

const help = replHelp.help;

export const replCommand: CliCommand = {
  ...replHelp,
  run: async (argv) => {
    let parsed: { values: { config?: string; keys?: string; echo?: boolean; kubeconfig?: string }; positionals: Array<string> };
    try {
      parsed = parseArgs({
        args: [...argv],
        options: { config: { type: "string" }, keys: { type: "string" }, echo: { type: "boolean" }, kubeconfig: { type: "string" } },
        strict: true,
        allowPositionals: true,
      });
    } catch (error) {
      process.stderr.write(`chains-ts repl: ${error instanceof Error ? error.message : String(error)}\n\n${help}\n`);
      return 2;
    }
    const { values, positionals } = parsed;
    if (values.kubeconfig !== undefined) {
      process.stderr.write("chains-ts repl: --kubeconfig is not supported yet (needs the Kubernetes adapter); load runs saved with 'kubectl get -o yaml'\n");
      return 2;
    }
    const quoted = (path: string) => JSON.stringify(path);
    const initialCommands = [
      ...(values.config === undefined ? [] : [`config ${quoted(values.config)}`]),
      ...(values.keys === undefined ? [] : [`keys ${quoted(values.keys)}`]),
      ...positionals.map((file) => `load ${quoted(file)}`),
    ];
    const historySetting = process.env["CHAINS_TS_REPL_HISTORY"];
    const interactive = process.stdin.isTTY === true;
    return runRepl({
      input: process.stdin,
      output: process.stdout,
      errors: process.stderr,
      interactive,
      echo: values.echo === true,
      initialCommands,
      historyFile: historySetting === "" ? undefined : (historySetting ?? join(homedir(), ".chains_ts_repl_history")),
    });
  },
};
