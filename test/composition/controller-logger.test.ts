import type { LogLevel } from "effect";
import { afterEach, describe, expect, it, vi } from "vitest";
import { adapterLogTo } from "../../src/app/composition/layers.ts";

afterEach(() => vi.restoreAllMocks());

/** The JSON lines the logger wrote while `write` ran. */
const linesOf = (write: () => void): Array<Record<string, unknown>> => {
  const lines: Array<string> = [];
  const capture = (...args: ReadonlyArray<unknown>) => void lines.push(args.map(String).join(" "));
  vi.spyOn(console, "log").mockImplementation(capture);
  vi.spyOn(console, "info").mockImplementation(capture);
  vi.spyOn(console, "warn").mockImplementation(capture);
  vi.spyOn(console, "error").mockImplementation(capture);
  write();
  return lines.map((line) => JSON.parse(line) as Record<string, unknown>);
};

describe("the controller's one logger", () => {
  it("writes adapters' lines as the controller's JSON log lines, marked with their component", () => {
    const lines = linesOf(() => {
      const log = adapterLogTo(() => "Info");
      log("info", "watch restarted");
      log("warning", "waiting for the API");
    });
    expect(lines.map(({ level, message, annotations }) => ({ level, message, annotations }))).toEqual([
      { level: "INFO", message: "watch restarted", annotations: { component: "kubernetes" } },
      { level: "WARN", message: "waiting for the API", annotations: { component: "kubernetes" } },
    ]);
  });

  it("drops lines below the level in force when each is written", () => {
    let level: LogLevel.LogLevel = "Info";
    const lines = linesOf(() => {
      const log = adapterLogTo(() => level);
      log("info", "before the logging ConfigMap");
      level = "Warn";
      log("info", "dropped");
      log("warning", "kept");
    });
    expect(lines.map((line) => line["message"])).toEqual(["before the logging ConfigMap", "kept"]);
  });
});
