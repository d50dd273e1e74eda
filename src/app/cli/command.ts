/** What `chains-ts --help` and `chains-ts NAME --help` show of a subcommand. */
export interface CommandHelp {
  readonly name: string;
  /** One line for the top-level `--help` listing. */
  readonly summary: string;
  /** Full text printed by `chains-ts NAME --help`. */
  readonly help: string;
}

/** One `chains-ts` subcommand. `run` returns the process exit code. */
export interface CliCommand extends CommandHelp {
  readonly run: (argv: ReadonlyArray<string>) => Promise<number>;
}

/** A subcommand as listed: its help at hand, its code (and that code's libraries) loaded only to run it. */
export interface ListedCommand extends CommandHelp {
  readonly load: () => Promise<CliCommand>;
}
