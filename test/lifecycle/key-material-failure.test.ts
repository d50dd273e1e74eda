import { Result } from "effect";
import { describe, expect, it } from "vitest";
import { rearmableSecretsVersionOf, REARM_REMOVED_ANNOTATIONS, signAgainUnder } from "../../src/domain/lifecycle/key-material-failure.ts";
import { decodeRunObject, type RunObject } from "../../src/domain/run/run-object.ts";

const run = (annotations: Record<string, string>, deleting = false): RunObject =>
  Result.getOrThrow(
    decodeRunObject({
      apiVersion: "tekton.dev/v1",
      kind: "TaskRun",
      metadata: { name: "build", namespace: "ci", uid: "u1", annotations, ...(deleting ? { deletionTimestamp: "2026-01-01T00:00:00Z" } : {}) },
      status: { conditions: [{ type: "Succeeded", status: "True" }] },
    }),
  );

describe("key-material failures", () => {
  it("are the failed runs that carry the secrets version they failed on, unless being deleted", () => {
    const failedOnKeys = { "chains.tekton.dev/signed": "failed", "chains.tekton.dev/failed-secrets-version": "41" };
    expect(rearmableSecretsVersionOf(run(failedOnKeys))).toBe("41");
    expect(rearmableSecretsVersionOf(run(failedOnKeys, true))).toBeUndefined();
    expect(rearmableSecretsVersionOf(run({ "chains.tekton.dev/signed": "failed" }))).toBeUndefined();
    expect(rearmableSecretsVersionOf(run({ ...failedOnKeys, "chains.tekton.dev/signed": "true" }))).toBeUndefined();
    expect(rearmableSecretsVersionOf(run({ "chains.tekton.dev/failed-secrets-version": "41" }))).toBeUndefined();
  });

  it("are signed again only under another secrets version, by clearing signed, retries and the failed version", () => {
    expect(signAgainUnder("41", "41")).toBe(false);
    expect(signAgainUnder("41", "42")).toBe(true);
    expect([...REARM_REMOVED_ANNOTATIONS].sort()).toEqual(
      ["chains.tekton.dev/failed-secrets-version", "chains.tekton.dev/retries", "chains.tekton.dev/signed"].sort(),
    );
  });
});
