import type { CommandHelp } from "./command.ts";

/** `chains-ts repl`: its listing line and help, apart from its code so that showing them loads none of it. */
export const replHelp: CommandHelp = {
  name: "repl",
  summary: "step a run through the signing lifecycle interactively (debugging)",
  help: `Usage: chains-ts repl [--config FILE] [--keys DIR] [--echo] [RUN-FILE...]

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
'error (line N): …'. Exit status: 0, or 1 when any command of a script failed; 2 on a usage error.`,
};
