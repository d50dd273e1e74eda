import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PATCH_TYPES, startKubeApiEmulator, type JsonObject, type KubeApiEmulator } from "../support/kube-api-emulator/index.ts";
import { meta, taskRun } from "./http-client.ts";

let emu: KubeApiEmulator;
beforeAll(async () => {
  emu = await startKubeApiEmulator();
});
afterAll(async () => {
  await emu.stop();
});

const annotations = (prefix: string) =>
  fc.dictionary(
    fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/).map((k) => `${prefix}${k}`),
    fc.string({ maxLength: 6 }),
    { maxKeys: 4 },
  );

let counter = 0;

describe("server-side apply model", () => {
  // Invariant: after any sequence of applies by one manager interleaved with another writer's merge
  // patches on other keys, the annotations are exactly the last applied set plus the other writer's keys,
  // and re-applying the same set writes nothing.
  it("the last apply wins for its own keys, leaves others' keys alone, and is idempotent", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(annotations("chains.tekton.dev/"), annotations("user.example/")), { minLength: 1, maxLength: 4 }), (steps) => {
        counter += 1;
        const name = `run-${counter}`;
        emu.store.seed(taskRun(name));
        const userKeys: Record<string, string> = {};
        const apply = (set: Record<string, string>): JsonObject =>
          emu.store.patch(
            "taskruns",
            "default",
            name,
            PATCH_TYPES.apply,
            { apiVersion: "tekton.dev/v1", kind: "TaskRun", metadata: { name, namespace: "default", annotations: set } },
            { manager: "tekton-chains-controller", force: false },
          );
        let last: Record<string, string> = {};
        for (const [chainsSet, userSet] of steps) {
          emu.store.patch("taskruns", "default", name, PATCH_TYPES.merge, { metadata: { annotations: userSet } }, { manager: "user" });
          Object.assign(userKeys, userSet);
          apply(chainsSet);
          last = chainsSet;
        }
        const stored = emu.store.get("taskruns", "default", name) ?? {};
        expect(meta(stored)["annotations"] ?? {}).toEqual({ ...userKeys, ...last });
        const before = emu.store.resourceVersion;
        apply(last);
        expect(emu.store.resourceVersion).toBe(before);
      }),
      { numRuns: 60 },
    );
  });

  // Invariant: one manager applying its finalizer on and off never touches finalizers that other writers
  // own, and the object is deleted exactly when it is being deleted and its finalizer list becomes empty.
  it("adds and removes only the applier's finalizer, and deletes a deleting object once none remain", () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.stringMatching(/^example\.com\/[a-z]{1,5}$/), { maxLength: 3 }), fc.boolean(), (others, deleting) => {
        counter += 1;
        const name = `fin-${counter}`;
        emu.store.seed(taskRun(name));
        if (others.length > 0) {
          emu.store.patch("taskruns", "default", name, PATCH_TYPES.merge, { metadata: { finalizers: others } }, { manager: "user" });
        }
        const applyFinalizers = (finalizers: string[]) =>
          emu.store.patch(
            "taskruns",
            "default",
            name,
            PATCH_TYPES.apply,
            { apiVersion: "tekton.dev/v1", kind: "TaskRun", metadata: { name, namespace: "default", finalizers } },
            { manager: "tekton-chains-controller/finalizers", force: false },
          );
        applyFinalizers(["chains.tekton.dev/taskrun"]);
        expect(meta(emu.store.get("taskruns", "default", name) ?? {})["finalizers"]).toEqual([...others, "chains.tekton.dev/taskrun"]);
        if (deleting) emu.store.delete("taskruns", "default", name);
        applyFinalizers([]);
        const after = emu.store.get("taskruns", "default", name);
        if (deleting && others.length === 0) expect(after).toBeUndefined();
        else expect(meta(after ?? {})["finalizers"] ?? []).toEqual(others);
      }),
      { numRuns: 60 },
    );
  });
});
