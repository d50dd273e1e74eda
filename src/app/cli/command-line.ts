import { UsageError } from "./usage-error.ts";

/**
 * Reads a subcommand's argv: options that take a value (`--flag value` or `--flag=value`) go to
 * `onOption` in order (it may reject them with a UsageError); `switches` are options without a
 * value, each calling its own function; `--` ends the options; `-` and everything else not
 * starting with `-` are returned as positional arguments.
 */
export const parseCommandLine = (
  argv: ReadonlyArray<string>,
  valueOptions: ReadonlyArray<string>,
  onOption: (flag: string, value: string) => void,
  switches: Readonly<Record<string, () => void>> = {},
): ReadonlyArray<string> => {
  const positional: Array<string> = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") {
      positional.push(...argv.slice(i + 1));
      break;
    }
    const eq = arg.startsWith("--") ? arg.indexOf("=") : -1;
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const onSwitch = Object.hasOwn(switches, arg) ? switches[arg] : undefined;
    if (onSwitch !== undefined) onSwitch();
    else if (valueOptions.includes(flag)) {
      if (eq > 0) onOption(flag, arg.slice(eq + 1));
      else {
        const next = argv[i + 1];
        if (next === undefined) throw new UsageError(`${flag} needs a value`);
        i++;
        onOption(flag, next);
      }
    } else if (arg.startsWith("-") && arg !== "-") throw new UsageError(`unknown option ${arg}`);
    else positional.push(arg);
  }
  return positional;
};
