import { commands } from "./commands.ts";

const usage = (): string =>
  [
    "Usage: chains-ts <command> [options]",
    "",
    "Tekton Chains, rebuilt in TypeScript: signs TaskRun and PipelineRun provenance.",
    "",
    "Commands:",
    ...commands.map((c) => `  ${c.name.padEnd(12)} ${c.summary}`),
    "",
    "Run 'chains-ts <command> --help' for a command's options.",
    "",
    "Errors are one line on stderr. Exit status 2 is a usage or input error; an internal error",
    "exits 1, and CHAINS_TS_DEBUG=1 adds its stack trace.",
  ].join("\n");

const main = async (argv: ReadonlyArray<string>): Promise<number> => {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(usage() + "\n");
    return name === undefined ? 2 : 0;
  }
  const listed = commands.find((c) => c.name === name);
  if (listed === undefined) {
    process.stderr.write(`chains-ts: unknown command '${name}'\n\n${usage()}\n`);
    return 2;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    process.stdout.write(listed.help + "\n");
    return 0;
  }
  // Loaded here, not at the top: error reporting knows the document errors, and with them the
  // YAML and Effect libraries, which the help texts above do not need.
  const [command, { reportingErrors }] = await Promise.all([listed.load(), import("./usage-error.ts")]);
  return reportingErrors(command.name, command.run)(rest);
};

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  // Only writing the usage text or loading a command's code can fail here: every command's errors
  // are reported by reportingErrors.
  (error: unknown) => {
    process.stderr.write(`chains-ts: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
