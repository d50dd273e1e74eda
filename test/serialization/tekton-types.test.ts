import { describe, expect, it } from "vitest";
import { goJson } from "../../src/domain/serialization/go-json.ts";
import { goValueAs } from "../../src/domain/serialization/go-type.ts";
import { featureFlags, pipelineRunSpec, taskRunSpec } from "../../src/domain/serialization/tekton-types.ts";

const marshal = (type: Parameters<typeof goValueAs>[0], raw: unknown) => JSON.parse(goJson(goValueAs(type, raw))) as unknown;

describe("Tekton-type-aware Go marshalling", () => {
  it("gives a TaskRunSpec its zero-value serviceAccountName and drops unknown and empty fields", () => {
    expect(marshal(taskRunSpec, { params: [], unknown: 1, taskRef: { name: "build" } })).toEqual({
      serviceAccountName: "",
      taskRef: { name: "build" },
    });
  });

  it("gives a PipelineRunSpec a taskRunTemplate and prints durations the Go way", () => {
    expect(marshal(pipelineRunSpec, { timeouts: { pipeline: "1h" } })).toEqual({
      timeouts: { pipeline: "1h0m0s" },
      taskRunTemplate: {},
    });
  });

  it("gives every step a name and computeResources, and embedded tasks metadata and spec", () => {
    const spec = marshal(pipelineRunSpec, {
      pipelineSpec: { tasks: [{ name: "t", taskSpec: { steps: [{ image: "alpine", script: "echo" }] } }] },
    });
    expect(spec).toEqual({
      pipelineSpec: {
        tasks: [
          {
            name: "t",
            taskSpec: {
              metadata: {},
              spec: null,
              steps: [{ name: "", image: "alpine", computeResources: {}, script: "echo" }],
            },
          },
        ],
      },
      taskRunTemplate: {},
    });
  });

  it("decodes param values as string, array or object, and anything else as its JSON text", () => {
    expect(
      marshal(taskRunSpec, {
        params: [
          { name: "s", value: "x" },
          { name: "a", value: ["1", "2"] },
          { name: "o", value: { b: "2", a: "1" } },
          { name: "n", value: [1, 2] },
        ],
      }),
    ).toEqual({
      params: [
        { name: "s", value: "x" },
        { name: "a", value: ["1", "2"] },
        { name: "o", value: { a: "1", b: "2" } },
        { name: "n", value: "[1,2]" },
      ],
      serviceAccountName: "",
    });
  });

  it("matches feature flag names case-insensitively and omits zero values", () => {
    expect(marshal(featureFlags, { EnableAPIFields: "beta", enableStepActions: false, MaxResultSize: 4096, Bogus: "x" })).toEqual({
      enableAPIFields: "beta",
      maxResultSize: 4096,
    });
  });
});
