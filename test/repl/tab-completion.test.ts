import { describe, expect, it } from "vitest";
import { completeLine } from "../../src/app/repl/tab-completion.ts";

describe("repl tab completion", () => {
  it("completes command names, port names and file paths", () => {
    expect(completeLine("st")).toEqual([["step", "state", "stores"], "st"]);
    expect(completeLine("fail si")).toEqual([["signer"], "si"]);
    const [paths, partial] = completeLine("load test/repl/fixtures/taskrun-");
    expect(partial).toBe("test/repl/fixtures/taskrun-");
    expect(paths).toEqual(["test/repl/fixtures/taskrun-running.yaml", "test/repl/fixtures/taskrun-succeeded.json"]);
  });
});
