/**
 * `chains-ts --help` (bin/chains-ts, as users run it) ÷ `node -e 0` on the same Node, in wall
 * time, the two started alternately so that a machine whose speed drifts slows both alike.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { median } from "./bench-machine.ts";

const cli = fileURLToPath(new URL("../bin/chains-ts", import.meta.url));

const wallSeconds = (command: string, args: ReadonlyArray<string>): number => {
  const started = performance.now();
  const result = spawnSync(command, args, { stdio: "ignore" });
  if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} exited ${result.status ?? result.signal}`);
  return (performance.now() - started) / 1000;
};

export interface StartUp {
  readonly runs: number;
  readonly helpSeconds: number;
  readonly nodeSeconds: number;
  /** Median of the pairwise ratios. */
  readonly ratio: number;
}

export const measureStartUp = (runs: number): StartUp => {
  // The first start fills Node's compile cache (as a user's first run does): not counted.
  wallSeconds(cli, ["--help"]);
  wallSeconds(process.execPath, ["-e", "0"]);
  const help: Array<number> = [];
  const node: Array<number> = [];
  for (let i = 0; i < runs; i++) {
    help.push(wallSeconds(cli, ["--help"]));
    node.push(wallSeconds(process.execPath, ["-e", "0"]));
  }
  return { runs, helpSeconds: median(help), nodeSeconds: median(node), ratio: median(help.map((h, i) => h / node[i]!)) };
};
