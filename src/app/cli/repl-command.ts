import { homedir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { runRepl } from "../repl/repl-loop.ts";
import type { CliCommand } from "./command.ts";

const help = `Usage: chains-ts repl [--config FILE] [--keys DIR] [--echo] [RUN-FILE...]

A debugging prompt for "why was this run not signed, and what would Chains produce for it?".
It runs the controller's own run lifecycle (pending → snapshotted → signed → stored → annotated,
with retries) over an in-memory cluster, one transition per 'step', and shows what each step
did: the payload, the signature, the store writes and the annotations it writes on the run.

Options:
  --config FILE    chains-config as a flat JSON/YAML map or a ConfigMap manifest (same as 'config FILE')
  --keys DIR       signing-secrets files, as Kubernetes mounts them (same as 'keys DIR');
                   default: a throwaway ECDSA P-256 x509.pem generated for the session
  --echo           in a script, print each command ('> step') before its output
  --kubeconfig F   not supported yet (needs the Kubernetes adapter)
  RUN-FILE...      runs to load at start (same as 'load FILE' for each)
  -h, --help       show this help

Type 'help' at the prompt for the commands. Tab completes commands, file names and ports;
history is kept in ~/.chains_ts_repl_history (CHAINS_TS_REPL_HISTORY overrides, "" disables).

Scripts: with stdin not a terminal (chains-ts repl < script.txt) commands are read one per line,
without prompts; blank lines and '#' comments are skipped; errors go to stderr as
'error (line N): …'. Exit status: 0, or 1 when any command of a script failed; 2 on a usage error.`;

export const replCommand: CliCommand = {
  name: "repl",
  summary: "step a run through the signing lifecycle interactively (debugging)",
  help,
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
