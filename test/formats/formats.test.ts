import { createHash } from "node:crypto";
import { Result } from "effect";
import { describe, expect, it } from "vitest";
import type { RunFormatName } from "../../src/domain/config/chains-config.ts";
import {
  buildRunPayload,
  imagesToSign,
  parseImageReference,
  simpleSigningPayload,
  type RunPayload,
  type RunPayloadInput,
} from "../../src/domain/formats/run-payload.ts";

const h1 = "1".repeat(64);
const options = { builderId: "https://tekton.dev/chains/v2", buildType: "https://tekton.dev/chains/v2/slsa", deepInspection: false } as const;

const payload = (input: Partial<RunPayloadInput> & Pick<RunPayloadInput, "run" | "format">): RunPayload => {
  const result = buildRunPayload({ kind: "TaskRun", children: [], options, ...input });
  if (Result.isFailure(result)) throw new Error(result.failure.message);
  return result.success;
};
const statement = (p: RunPayload) => JSON.parse(p.payload) as Record<string, any>;

const taskRun = (over: Record<string, unknown> = {}) => ({
  metadata: { name: "tr", uid: "uid-1", labels: { "tekton.dev/pipelineTask": "build" } },
  spec: { taskRef: { name: "build" } },
  status: {
    startTime: "2024-05-01T12:00:00Z",
    completionTime: "2024-05-01T12:01:00Z",
    conditions: [{ type: "Succeeded", status: "True" }],
    steps: [{ name: "s1", imageID: `docker-pullable://gcr.io/img/one@sha256:${h1}` }],
    taskSpec: { steps: [{ name: "s1", command: ["make", "all"], args: ["-j"] }] },
    results: [
      { name: "IMAGE_URL", value: "gcr.io/out/app:v1" },
      { name: "IMAGE_DIGEST", value: `sha256:${h1}` },
    ],
    ...over,
  },
});

const allFormats: ReadonlyArray<RunFormatName> = ["in-toto", "slsa/v1", "slsa/v2alpha3", "slsa/v2alpha4"];

describe("statement shape", () => {
  it.each(allFormats)("%s: keys in protojson order, compact, DSSE-wrapped", (format) => {
    const p = payload({ run: taskRun(), format });
    expect(p.dsse).toBe(true);
    expect(Object.keys(statement(p))).toEqual(["_type", "subject", "predicateType", "predicate"]);
    expect(p.payload).not.toMatch(/\n|": /);
    expect(statement(p)["subject"]).toEqual([{ name: "gcr.io/out/app", digest: { sha256: h1 } }]);
  });

  it("treats in-toto and slsa/v1 as one format", () => {
    expect(payload({ run: taskRun(), format: "in-toto" }).payload).toBe(payload({ run: taskRun(), format: "slsa/v1" }).payload);
  });

  it.each(allFormats)("%s: leaves `subject` out when there is none", (format) => {
    const p = payload({ run: taskRun({ results: [] }), format });
    expect(Object.keys(statement(p))).toEqual(["_type", "predicateType", "predicate"]);
  });
});

describe("SLSA v0.2 TaskRun", () => {
  it("builds steps from the spec step of the same name", () => {
    const s = statement(payload({ run: taskRun(), format: "slsa/v1" }));
    expect(s["predicate"]["buildConfig"]).toEqual({
      steps: [
        {
          annotations: null,
          arguments: ["-j"],
          entryPoint: "make all",
          environment: { container: "s1", image: `oci://gcr.io/img/one@sha256:${h1}` },
        },
      ],
    });
  });

  it("leaves out unset times and keeps completeness and reproducible", () => {
    const run = taskRun({ startTime: undefined, completionTime: undefined });
    expect(statement(payload({ run, format: "slsa/v1" }))["predicate"]["metadata"]).toEqual({
      completeness: { environment: false, materials: false, parameters: false },
      reproducible: false,
    });
  });

  it("still describes a failed run", () => {
    const run = taskRun({ conditions: [{ type: "Succeeded", status: "False" }], results: [] });
    const s = statement(payload({ run, format: "slsa/v1" }));
    expect(s["predicate"]["materials"]).toEqual([{ uri: "oci://gcr.io/img/one", digest: { sha256: h1 } }]);
  });

  it("skips a malformed step imageID with a warning instead of failing", () => {
    const run = taskRun({ steps: [{ name: "s1", imageID: "" }] });
    const p = payload({ run, format: "slsa/v1" });
    expect(statement(p)["predicate"]["materials"]).toBeUndefined();
    expect(p.warnings.map((w) => w.code)).toContain("skipped-image");
  });
});

describe("SLSA v1.0", () => {
  it("has an empty metadata and internalParameters when the run has no uid, times or flags", () => {
    const run = { spec: {}, status: {} };
    const s = statement(payload({ run, format: "slsa/v2alpha4" }));
    expect(s["predicate"]["runDetails"]).toEqual({ builder: { id: options.builderId }, metadata: {} });
    expect(s["predicate"]["buildDefinition"]).toEqual({
      buildType: options.buildType,
      externalParameters: { runSpec: { serviceAccountName: "" } },
      internalParameters: {},
    });
  });

  it("prints times as protojson timestamps", () => {
    const run = taskRun({ startTime: "2024-05-01T14:00:00.5+02:00" });
    const s = statement(payload({ run, format: "slsa/v2alpha3" }));
    expect(s["predicate"]["runDetails"]["metadata"]["startedOn"]).toBe("2024-05-01T12:00:00.500Z");
  });

  it("slsa-tekton: records labels and annotations, null when missing", () => {
    const s = statement(
      payload({ run: taskRun(), format: "slsa/v2alpha4", options: { ...options, buildType: "https://tekton.dev/chains/v2/slsa-tekton" } }),
    );
    expect(s["predicate"]["buildDefinition"]["internalParameters"]).toEqual({
      labels: { "tekton.dev/pipelineTask": "build" },
      annotations: null,
    });
  });
});

describe("PipelineRuns", () => {
  const pipelineRun = {
    metadata: { name: "pr", uid: "pr-uid" },
    spec: { pipelineRef: { name: "p" }, taskRunTemplate: { serviceAccountName: "sa" } },
    status: {
      pipelineSpec: { tasks: [{ name: "build", taskRef: { name: "build" } }], finally: [{ name: "notify", taskSpec: { steps: [] } }] },
      results: [],
    },
  };
  const failedChild = taskRun({ conditions: [{ type: "Succeeded", status: "False" }], startTime: undefined });
  const notify = {
    ...taskRun({ steps: [], taskSpec: { steps: [] }, results: [] }),
    metadata: { name: "n", labels: { "tekton.dev/pipelineTask": "notify" } },
  };
  const unfinished = { ...taskRun({ completionTime: undefined }), metadata: { name: "u", labels: { "tekton.dev/pipelineTask": "build" } } };

  it("v0.2: lists executed tasks, failed status, finally after the last task, and omits missing times", () => {
    const s = statement(payload({ kind: "PipelineRun", run: pipelineRun, children: [unfinished, failedChild, notify], format: "slsa/v1" }));
    const tasks = s["predicate"]["buildConfig"]["tasks"] as Array<Record<string, unknown>>;
    expect(tasks.map((t) => t["name"])).toEqual(["build", "notify"]);
    expect(tasks[0]?.["status"]).toBe("Failed");
    expect(tasks[0]?.["startedOn"]).toBeUndefined();
    expect(tasks[0]?.["serviceAccountName"]).toBe("sa");
    expect(tasks[1]?.["after"]).toEqual(["build"]);
    expect(tasks[1]?.["ref"]).toEqual({});
  });

  it("v0.2: buildConfig.tasks is null without a pipelineSpec", () => {
    const s = statement(payload({ kind: "PipelineRun", run: { spec: {}, status: {} }, format: "slsa/v1" }));
    expect(s["predicate"]["buildConfig"]).toEqual({ tasks: null });
  });

  it("child subjects come in with deep inspection only", () => {
    const shallow = statement(payload({ kind: "PipelineRun", run: pipelineRun, children: [failedChild], format: "slsa/v2alpha4" }));
    expect(shallow["subject"]).toBeUndefined();
    const deep = statement(
      payload({ kind: "PipelineRun", run: pipelineRun, children: [failedChild], format: "slsa/v2alpha4", options: { ...options, deepInspection: true } }),
    );
    expect(deep["subject"]).toEqual([{ name: "gcr.io/out/app", digest: { sha256: h1 } }]);
  });

  it("slsa-tekton: the pipelineTask dependency carries the Go JSON of the child", () => {
    const s = statement(
      payload({
        kind: "PipelineRun",
        run: pipelineRun,
        children: [failedChild],
        format: "slsa/v2alpha3",
        options: { ...options, buildType: "https://tekton.dev/chains/v2/slsa-tekton" },
      }),
    );
    const dep = (s["predicate"]["buildDefinition"]["resolvedDependencies"] as Array<Record<string, string>>)[0];
    expect(dep?.["name"]).toBe("pipelineTask");
    const child = JSON.parse(Buffer.from(dep?.["content"] ?? "", "base64").toString("utf8")) as Record<string, any>;
    expect(child["metadata"]["creationTimestamp"]).toBeNull();
    expect(child["spec"]["serviceAccountName"]).toBe("");
    expect(child["status"]["podName"]).toBe("");
  });
});

describe("legacy tekton format", () => {
  it("signs the run's status as Go JSON and warns that it is deprecated", () => {
    const p = payload({ run: taskRun(), format: "tekton" });
    expect(p.dsse).toBe(false);
    expect(p.warnings.map((w) => w.code)).toEqual(["deprecated-format"]);
    const status = JSON.parse(p.payload) as Record<string, unknown>;
    expect(status["podName"]).toBe("");
    expect(status["completionTime"]).toBe("2024-05-01T12:01:00Z");
  });
});

describe("failures", () => {
  it("refuses a run that is not an object", () => {
    const result = buildRunPayload({ kind: "TaskRun", run: "nope", children: [], format: "slsa/v1", options });
    expect(Result.isFailure(result) && result.failure._tag).toBe("PayloadCreationFailed");
  });
});

describe("images to sign and simplesigning", () => {
  it("matches the golden payload", () => {
    const ref = parseImageReference(`gcr.io/foo/bar@sha256:20ab676d319c93ef5b4bef9290ed913ed8feaa0c92c43a7cddc28a3697918b92`);
    if (Result.isFailure(ref)) throw new Error(ref.failure.message);
    const text = simpleSigningPayload(ref.success);
    expect(Buffer.byteLength(text)).toBe(230);
    expect(createHash("sha256").update(text).digest("hex")).toBe("4db1161b23e5ba1900f3667d00de65d5ef5b780c76da1c9c3bf1d10cef118b5c");
  });

  it("collects IMAGE_*, IMAGES and OCI build artifacts once each", () => {
    const run = taskRun({
      results: [
        { name: "IMAGE_URL", value: "gcr.io/out/app:v1" },
        { name: "IMAGE_DIGEST", value: `sha256:${h1}` },
        { name: "IMAGES", value: `gcr.io/out/app@sha256:${h1}, ubuntu@sha256:${h1}` },
        { name: "x-ARTIFACT_OUTPUTS", value: { uri: "gcr.io/out/lib", digest: `sha256:${h1}`, isBuildArtifact: "true" } },
        { name: "y-ARTIFACT_OUTPUTS", value: { uri: "pkg:npm/x", digest: `sha256:${h1}`, isBuildArtifact: "true" } },
      ],
    });
    expect(imagesToSign(run).images.map((i) => i.repository)).toEqual([
      "gcr.io/out/app",
      "index.docker.io/library/ubuntu",
      "gcr.io/out/lib",
    ]);
  });
});
