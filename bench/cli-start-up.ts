/**
 * `chains-ts --help` (bin/chains-ts, as users run it, from the compiled bundle and from the
 * sources) ÷ `node -e 0` on the same Node, in wall time, the three started in turn so that a
 * machine whose speed drifts slows all alike.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { median } from "./bench-machine.ts";
import { type CliCode, runningCode } from "./cli-code.ts";

const cli = fileURLToPath(new URL("../bin/chains-ts", import.meta.url));

const wallSeconds = (command: string, args: ReadonlyArray<string>, env: NodeJS.ProcessEnv = process.env): number => {
  const started = performance.now();
  const result = spawnSync(command, args, { stdio: "ignore", env });
  if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} exited ${result.status ?? result.signal}`);
  return (performance.now() - started) / 1000;
};

export interface StartUp {
  readonly runs: number;
  readonly helpSeconds: Record<CliCode, number>;
  readonly nodeSeconds: number;
  /** Medians of the ratios within each turn: `--help` ÷ `node -e 0`, and bundle ÷ source. */
  readonly ratio: Record<CliCode, number>;
  readonly bundleToSource: number;
}

export const measureStartUp = (runs: number): StartUp => {
  const help = (code: CliCode) => wallSeconds(cli, ["--help"], runningCode(code));
  // The first starts fill Node's compile cache (as a user's first run does): not counted.
  help("bundle");
  help("source");
  wallSeconds(process.execPath, ["-e", "0"]);
  const turns: Array<{ bundle: number; source: number; node: number }> = [];
  for (let i = 0; i < runs; i++) turns.push({ bundle: help("bundle"), source: help("source"), node: wallSeconds(process.execPath, ["-e", "0"]) });
  return {
    runs,
    helpSeconds: { bundle: median(turns.map((t) => t.bundle)), source: median(turns.map((t) => t.source)) },
    nodeSeconds: median(turns.map((t) => t.node)),
    ratio: { bundle: median(turns.map((t) => t.bundle / t.node)), source: median(turns.map((t) => t.source / t.node)) },
    bundleToSource: median(turns.map((t) => t.bundle / t.source)),
  };
};
