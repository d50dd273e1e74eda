import { spawn } from "node:child_process";
import { PassThrough } from "node:stream";
import { fileURLToPath } from "node:url";
import { runRepl } from "../../src/app/repl/repl-loop.ts";

export const fixture = (name: string): string => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

export interface Transcript {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

const collect = (stream: PassThrough): (() => string) => {
  const chunks: Array<Buffer> = [];
  stream.on("data", (chunk: Buffer) => chunks.push(chunk));
  return () => Buffer.concat(chunks).toString("utf8");
};

/** Runs a script through the REPL engine in-process, as piped stdin would. */
export const runScript = async (lines: ReadonlyArray<string>): Promise<Transcript> => {
  const input = new PassThrough();
  const output = new PassThrough();
  const errors = new PassThrough();
  const stdout = collect(output);
  const stderr = collect(errors);
  input.end(lines.map((line) => `${line}\n`).join(""));
  const code = await runRepl({ input, output, errors, interactive: false, echo: false, initialCommands: [], historyFile: undefined });
  return { code, stdout: stdout(), stderr: stderr() };
};

/** Runs `bin/chains-ts repl ARGS < script`, the way a user pipes a script in. */
export const runCli = (args: ReadonlyArray<string>, lines: ReadonlyArray<string>): Promise<Transcript> =>
  new Promise((resolve, reject) => {
    const child = spawn(fileURLToPath(new URL("../../bin/chains-ts", import.meta.url)), ["repl", ...args], {
      env: { ...process.env, CHAINS_TS_REPL_HISTORY: "" },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(lines.map((line) => `${line}\n`).join(""));
  });

/** The `FROM → TO` pairs a transcript reports, in order. */
export const transitions = (stdout: string): Array<string> =>
  [...stdout.matchAll(/^(\S+) → (\S+) {2}/gm)].map((m) => `${m[1]} → ${m[2]}`);

/** The value a `state` command printed last. */
export const lastState = (stdout: string): string | undefined => [...stdout.matchAll(/^state: (\S+)/gm)].at(-1)?.[1];
