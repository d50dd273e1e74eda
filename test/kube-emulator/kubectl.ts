import { spawn, type ChildProcess } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";

/** The kubectl on PATH, if any. */
export const findKubectl = (): string | undefined => {
  for (const dir of (process.env["PATH"] ?? "").split(delimiter)) {
    const candidate = join(dir, "kubectl");
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
};

export interface KubectlResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface Kubectl {
  readonly run: (args: readonly string[], stdin?: string) => Promise<KubectlResult>;
  /** Starts a long-running command (e.g. `--watch`); the caller stops it with `kill()`. */
  readonly spawn: (args: readonly string[]) => { readonly child: ChildProcess; readonly output: () => string; readonly exited: Promise<KubectlResult> };
}

export const kubectlFor = (binary: string, kubeconfig: string, cacheDir: string): Kubectl => {
  const start = (args: readonly string[], stdin?: string) => {
    const child = spawn(binary, ["--kubeconfig", kubeconfig, "--cache-dir", cacheDir, ...args], { stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    child.stdin.end(stdin ?? "");
    const exited = new Promise<KubectlResult>((resolve, reject) => {
      child.on("error", reject);
      child.on("close", (code) => resolve({ code, stdout, stderr }));
    });
    return { child, output: () => stdout, exited };
  };
  return {
    run: (args, stdin) => start(args, stdin).exited,
    spawn: (args) => start(args),
  };
};

/** Splits kubectl's `-o json` watch output (pretty-printed objects one after another) into values. */
export const parseJsonStream = (text: string): unknown[] => {
  const values: unknown[] = [];
  let depth = 0;
  let inString = false;
  let escaped = false;
  let start = -1;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      if (escaped) escaped = false;
      else if (ch === "\\") escaped = true;
      else if (ch === '"') inString = false;
      continue;
    }
    if (ch === '"') inString = true;
    else if (ch === "{") {
      if (depth === 0) start = i;
      depth++;
    } else if (ch === "}") {
      depth--;
      if (depth === 0) values.push(JSON.parse(text.slice(start, i + 1)));
    }
  }
  return values;
};
