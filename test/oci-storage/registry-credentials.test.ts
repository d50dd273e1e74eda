import { Effect, Redacted, Result } from "effect";
import { describe, expect, it } from "vitest";
import { InMemoryRegistryCredentials } from "../../src/adapters/memory/in-memory-registry-credentials.ts";
import { anonymous, basicCredential, type Keychain, type RegistryCredential } from "../../src/domain/oci/registry-credential.ts";
import { decodeRunObject, type RunObject } from "../../src/domain/run/run-object.ts";
import { serviceAccountOf } from "../../src/ports/registry-credentials.ts";

const run = (kind: "TaskRun" | "PipelineRun", spec: Record<string, unknown>): RunObject =>
  Result.getOrThrow(
    decodeRunObject({ apiVersion: "tekton.dev/v1", kind, metadata: { name: "r", namespace: "team", uid: "u" }, spec }),
  );
const b64 = (s: string) => Buffer.from(s).toString("base64");
const lookup = (keychain: Keychain, registry: string, repository: string) => Effect.runSync(keychain(registry, repository));
const shown = (c: RegistryCredential) => (c._tag === "Basic" ? `${c.username}:${Redacted.value(c.password)}` : c._tag);

describe("registry credentials of a run (storage.md §5)", () => {
  it("uses spec.serviceAccountName, PipelineRun spec.taskRunTemplate.serviceAccountName, else default", () => {
    expect(serviceAccountOf(run("TaskRun", { serviceAccountName: "builder" }))).toEqual({ namespace: "team", name: "builder" });
    expect(serviceAccountOf(run("TaskRun", { serviceAccountName: "" }))).toEqual({ namespace: "team", name: "default" });
    expect(serviceAccountOf(run("PipelineRun", { taskRunTemplate: { serviceAccountName: "releaser" } }))).toEqual({
      namespace: "team",
      name: "releaser",
    });
    // A PipelineRun's own spec.serviceAccountName is not a Tekton v1 field.
    expect(serviceAccountOf(run("PipelineRun", { serviceAccountName: "ignored" }))).toEqual({ namespace: "team", name: "default" });
  });

  it("merges the ServiceAccount's docker config Secrets (longest key wins), ignores other types, then the controller's keychain", async () => {
    const credentials = new InMemoryRegistryCredentials({
      controllerKeychain: (registry) => Effect.succeed(registry === "ctl.example" ? basicCredential("controller", "c") : anonymous),
    });
    credentials.setServiceAccount("team", "builder", [
      { name: "host", type: "kubernetes.io/dockerconfigjson", data: { ".dockerconfigjson": JSON.stringify({ auths: { "reg.example": { auth: b64("host:1") } } }) } },
      { name: "old", type: "kubernetes.io/dockercfg", data: { ".dockercfg": JSON.stringify({ "reg.example/team": { auth: b64("team:2") } }) } },
      { name: "opaque", type: "Opaque", data: { ".dockerconfigjson": "not even json" } },
    ]);
    const keychain = await Effect.runPromise(credentials.keychainFor(run("TaskRun", { serviceAccountName: "builder" })));
    expect(shown(lookup(keychain, "reg.example", "other/app"))).toBe("host:1");
    expect(shown(lookup(keychain, "reg.example", "team/app"))).toBe("team:2");
    expect(shown(lookup(keychain, "ctl.example", "x"))).toBe("controller:c");
    expect(shown(lookup(keychain, "elsewhere.example", "x"))).toBe("Anonymous");
    // An unknown ServiceAccount has only the controller's credentials.
    const other = await Effect.runPromise(credentials.keychainFor(run("TaskRun", { serviceAccountName: "nobody" })));
    expect(shown(lookup(other, "reg.example", "team/app"))).toBe("Anonymous");
    expect(credentials.lookups()).toEqual(["team/builder", "team/nobody"]);
  });

  it("fails on a malformed docker config Secret, naming it without its content", async () => {
    const credentials = new InMemoryRegistryCredentials();
    credentials.setServiceAccount("team", "default", [
      { name: "typo", type: "kubernetes.io/dockerconfigjson", data: { ".dockerconfigjson": '{"auths": s3cr3t' } },
      { name: "no-key", type: "kubernetes.io/dockercfg", data: {} },
    ]);
    const failure = await Effect.runPromise(Effect.flip(credentials.keychainFor(run("TaskRun", {}))));
    expect(failure.message).toMatch(/ServiceAccount team\/default: Secret typo key \.dockerconfigjson/);
    expect(JSON.stringify(failure) + failure.message).not.toContain("s3cr3t");
    credentials.setServiceAccount("team", "default", [{ name: "no-key", type: "kubernetes.io/dockercfg", data: {} }]);
    const missingKey = await Effect.runPromise(Effect.flip(credentials.keychainFor(run("TaskRun", {}))));
    expect(missingKey.reason).toMatch(/Secret no-key key \.dockercfg: the key is missing/);
  });
});
