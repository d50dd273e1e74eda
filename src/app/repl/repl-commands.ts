import { FAULTY_PORTS } from "./port-faults.ts";
import { fail } from "./repl-error.ts";
import type { ReplSession } from "./repl-session.ts";

/** What a command line asks for. `quit` ends the session. */
export type CommandResult = "continue" | "quit";

export interface ReplCommand {
  readonly name: string;
  readonly usage: string;
  readonly summary: string;
  /** What tab completion offers for the first argument: file paths, or fixed words. */
  readonly completes?: "path" | ReadonlyArray<string>;
  readonly run: (session: ReplSession, args: ReadonlyArray<string>, rest: string) => Promise<CommandResult> | CommandResult;
}

const done = (): CommandResult => "continue";

const noArguments = (name: string, args: ReadonlyArray<string>): void => {
  if (args.length > 0) fail(`'${name}' takes no arguments`);
};

const oneArgument = (usage: string, args: ReadonlyArray<string>): string =>
  args.length === 1 ? args[0]! : fail(`usage: ${usage}`);

const count = (text: string | undefined): number => {
  if (text === undefined) return 1;
  const n = Number(text);
  return Number.isInteger(n) && n > 0 ? n : fail(`'${text}' is not a positive whole number of failures`);
};

/** `set KEY VALUE…`: the value is the rest of the line; `""` or `''` is the empty string. */
const settingValue = (rest: string, key: string): string => {
  const value = rest.trim().slice(key.length).trim();
  return value === '""' || value === "''" ? "" : value;
};

const simple =
  (name: string, action: (session: ReplSession) => Promise<void> | void) =>
  async (session: ReplSession, args: ReadonlyArray<string>): Promise<CommandResult> => {
    noArguments(name, args);
    await action(session);
    return "continue";
  };

export const replCommands: ReadonlyArray<ReplCommand> = [
  {
    name: "load",
    usage: "load FILE",
    summary: "load a TaskRun or PipelineRun (JSON/YAML); again for each child TaskRun of a PipelineRun",
    completes: "path",
    run: async (session, args) => (await session.load(oneArgument("load FILE", args)), done()),
  },
  {
    name: "use",
    usage: "use NAME",
    summary: "inspect another loaded run (by name or Kind/namespace/name)",
    run: (session, args) => (session.use(oneArgument("use NAME", args)), done()),
  },
  { name: "runs", usage: "runs", summary: "list the loaded runs and whether each would be signed", run: simple("runs", (s) => s.runs()) },
  {
    name: "complete",
    usage: "complete [NAME] [succeeded|failed]",
    summary: "finish a loaded run as Tekton Pipelines would (default: the inspected run, succeeded)",
    completes: ["succeeded", "failed"],
    run: (session, args) => (session.complete(args), done()),
  },
  {
    name: "config",
    usage: "config [FILE]",
    summary: "load chains-config (flat map or ConfigMap, JSON/YAML); without FILE, show it",
    completes: "path",
    run: async (session, args): Promise<CommandResult> => {
      if (args.length > 1) fail("usage: config [FILE]");
      await session.config(args[0]);
      return "continue";
    },
  },
  {
    name: "set",
    usage: "set KEY VALUE",
    summary: "change one chains-config key (an invalid value is refused, the config kept)",
    run: (session, args, rest) => {
      const key = args[0] ?? fail("usage: set KEY VALUE (VALUE \"\" for the empty string)");
      if (args.length < 2) fail(`usage: set ${key} VALUE (VALUE "" for the empty string)`);
      session.set(key, settingValue(rest, key));
      return "continue";
    },
  },
  {
    name: "unset",
    usage: "unset KEY",
    summary: "remove a chains-config key (back to its default)",
    run: (session, args) => (session.unset(oneArgument("unset KEY", args)), done()),
  },
  {
    name: "keys",
    usage: "keys [DIR]",
    summary: "sign with the signing-secrets files in DIR; without DIR, show the keys in use",
    completes: "path",
    run: async (session, args): Promise<CommandResult> => {
      if (args.length > 1) fail("usage: keys [DIR]");
      await session.keys(args[0]);
      return "continue";
    },
  },
  { name: "step", usage: "step", summary: "move the run's statechart by one transition and show what it did", run: simple("step", (s) => s.step()) },
  { name: "run", usage: "run", summary: "step until the statechart is final (annotated, failed or abandoned)", run: simple("run", (s) => s.run()) },
  { name: "back", usage: "back", summary: "undo the last transition (actor snapshot, run annotations and finalizers)", run: simple("back", (s) => s.back()) },
  { name: "state", usage: "state", summary: "the current state, retry count, last error and next step", run: simple("state", (s) => s.state()) },
  { name: "payload", usage: "payload", summary: "the payloads the pass signs, exactly as signed", run: simple("payload", (s) => s.payload()) },
  { name: "envelope", usage: "envelope", summary: "the signatures made so far (DSSE envelopes or base64)", run: simple("envelope", (s) => s.envelope()) },
  { name: "annotations", usage: "annotations", summary: "chains annotations on the run, and those still to be written", run: simple("annotations", (s) => s.annotations()) },
  { name: "stores", usage: "stores", summary: "what the pass stored, and what the in-memory backends hold", run: simple("stores", (s) => s.stores()) },
  {
    name: "fail",
    usage: `fail ${FAULTY_PORTS.join("|")} [TIMES]`,
    summary: "make the next call(s) of a port fail, to watch the retry path",
    completes: FAULTY_PORTS,
    run: (session, args) => {
      if (args.length < 1 || args.length > 2) fail(`usage: fail ${FAULTY_PORTS.join("|")} [TIMES]`);
      session.fail(args[0]!, count(args[1]));
      return "continue";
    },
  },
  {
    name: "get",
    usage: "get taskrun|pipelinerun NAMESPACE/NAME",
    summary: "read a run from a live cluster (not supported yet)",
    completes: ["taskrun", "pipelinerun"],
    run: () =>
      fail(
        "not supported yet (needs the Kubernetes adapter); save the run with 'kubectl get taskrun NAME -n NAMESPACE -o yaml > run.yaml' and 'load run.yaml'",
      ),
  },
  { name: "help", usage: "help [COMMAND]", summary: "list the commands, or explain one", run: (session, args) => (session.tell(helpText(args[0])), done()) },
  { name: "quit", usage: "quit", summary: "end the session (also: exit, Ctrl-D)", run: () => "quit" },
];

const aliases: Readonly<Record<string, string>> = { exit: "quit", "?": "help" };

export const findCommand = (name: string): ReplCommand | undefined =>
  replCommands.find((command) => command.name === (aliases[name] ?? name));

export const helpText = (name: string | undefined): Array<string> => {
  if (name === undefined) {
    const width = Math.max(...replCommands.map((c) => c.usage.length));
    return [
      "Commands (one per line; blank lines and lines starting with # are ignored):",
      ...replCommands.map((c) => `  ${c.usage.padEnd(width)}  ${c.summary}`),
    ];
  }
  const command = findCommand(name) ?? fail(`unknown command '${name}'; 'help' lists them`);
  return [`${command.usage}: ${command.summary}`];
};
