/** One `chains-ts` subcommand. `run` returns the process exit code. */
export interface CliCommand {
  readonly name: string;
  /** One line for the top-level `--help` listing. */
  readonly summary: string;
  /** Full text printed by `chains-ts NAME --help`. */
  readonly help: string;
  readonly run: (argv: ReadonlyArray<string>) => Promise<number>;
}
