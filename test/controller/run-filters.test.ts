import { Result } from "effect";
import { describe, expect, it } from "vitest";
import { isProcessed } from "../../src/app/controller/run-filters.ts";
import type { ChainsConfig } from "../../src/domain/config/chains-config.ts";
import { defaultChainsConfig, parseChainsConfig } from "../../src/domain/config/parse-chains-config.ts";
import { decodeRunObject, type RunObject } from "../../src/domain/run/run-object.ts";

const run = (namespace: string, managedBy?: string): RunObject =>
  Result.getOrThrow(
    decodeRunObject({
      apiVersion: "tekton.dev/v1",
      kind: "TaskRun",
      metadata: { name: "build", namespace, uid: "0b6f3c1e-5d2a-4e8f-9c71-2a4b6d8e0f13" },
      ...(managedBy === undefined ? {} : { spec: { managedBy } }),
    }),
  );

const configWith = (data: Record<string, string>): ChainsConfig => Result.getOrThrow(parseChainsConfig(data)).config;

describe("run filters", () => {
  it("processes every namespace when no namespace is given", () => {
    expect(["default", "team-a", "kube-system"].map((ns) => isProcessed(run(ns), [], defaultChainsConfig))).toEqual([true, true, true]);
  });

  it("processes only the listed namespaces", () => {
    const namespaces = ["team-a", "team-b"];
    expect(["team-a", "team-b", "team-c", "default"].map((ns) => isProcessed(run(ns), namespaces, defaultChainsConfig))).toEqual([
      true,
      true,
      false,
      false,
    ]);
  });

  it.each([
    ["no spec.managedBy", undefined, true],
    ['an empty spec.managedBy', "", true],
    ["Tekton Pipelines' own manager", "tekton.dev/pipeline", true],
    ["another manager", "example.com/other-controller", false],
    ["a manager that only differs in case", "Tekton.dev/Pipeline", false],
  ] as const)("with the default config, processes a run with %s: %j → %s", (_, managedBy, expected) => {
    expect(isProcessed(run("default", managedBy), [], defaultChainsConfig)).toBe(expected);
  });

  it("also processes the managers named in filter.managed-by, and still Tekton Pipelines' runs", () => {
    const config = configWith({ "filter.managed-by": "example.com/kueue, example.com/other" });
    expect(isProcessed(run("default", "example.com/kueue"), [], config)).toBe(true);
    expect(isProcessed(run("default", "example.com/other"), [], config)).toBe(true);
    expect(isProcessed(run("default", "example.com/unlisted"), [], config)).toBe(false);
    expect(isProcessed(run("default", "tekton.dev/pipeline"), [], config)).toBe(true);
    expect(isProcessed(run("default"), [], config)).toBe(true);
  });

  it("applies the namespace list to runs of an accepted manager too", () => {
    const config = configWith({ "filter.managed-by": "example.com/kueue" });
    expect(isProcessed(run("team-c", "example.com/kueue"), ["team-a"], config)).toBe(false);
    expect(isProcessed(run("team-a", "example.com/kueue"), ["team-a"], config)).toBe(true);
  });
});
