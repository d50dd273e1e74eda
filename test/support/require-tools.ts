import { spawnSync } from "node:child_process";
import { describe } from "vitest";

const onPath = (command: string): boolean => spawnSync(command, ["--version"], { stdio: "ignore" }).error === undefined;

/**
 * `describe` when every command is installed, `describe.skip` otherwise — except with CI=true,
 * where the tests run (and fail) so that a missing real part is never a silent skip.
 */
export const describeWithCommands = (...commands: ReadonlyArray<string>) =>
  commands.every(onPath) || process.env["CI"] === "true" ? describe : describe.skip;
