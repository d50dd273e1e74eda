import { afterEach, describe, expect, it, vi } from "vitest";
import { DocumentUnreadable } from "../../src/app/cli/document-unreadable.ts";
import { reportingErrors, UsageError } from "../../src/app/cli/usage-error.ts";

const stderrOf = async (run: () => Promise<number>, env: Record<string, string> = {}) => {
  const written: Array<string> = [];
  vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  });
  for (const [k, v] of Object.entries(env)) vi.stubEnv(k, v);
  const code = await run();
  return { code, stderr: written.join("") };
};
afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

describe("errors escaping a command", () => {
  it("a usage or input error is one line naming the command, exit 2", async () => {
    for (const error of [new UsageError("--key is required"), new DocumentUnreadable({ path: "run.json", problem: "empty", detail: "" })]) {
      const out = await stderrOf(() => reportingErrors("verify", () => Promise.reject(error))([]));
      expect(out).toEqual({ code: 2, stderr: `chains-ts verify: ${error.message}\n` });
    }
  });

  it("an unexpected error is one line with its message and no stack trace, exit 1", async () => {
    const bug = new TypeError("Cannot read properties of undefined (reading 'x')\nsecond line");
    const out = await stderrOf(() => reportingErrors("demo", () => Promise.reject(bug))([]));
    expect(out.code).toBe(1);
    expect(out.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(out.stderr).toMatch(/^chains-ts demo: internal error: TypeError: Cannot read properties of undefined \(reading 'x'\)/);
    expect(out.stderr).not.toMatch(/^\s+at /m);
  });

  it("CHAINS_TS_DEBUG=1 adds the stack trace of an unexpected error", async () => {
    const out = await stderrOf(() => reportingErrors("demo", () => Promise.reject(new Error("boom")))([]), { CHAINS_TS_DEBUG: "1" });
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/^\s+at /m);
  });
});
