import type { RunJson } from "../../adapters/memory/run-json.ts";

const NAMESPACE = "default";
const STEP_IMAGE =
  "docker-pullable://gcr.io/tekton-releases/github.com/tektoncd/pipeline/cmd/git-init@sha256:c0b0ed1cd81090ce8eecf60b936e9345089d9dfdb6ebdd2fd7b4a0341ef4f2b9";
const BUILDER_IMAGE =
  "docker-pullable://gcr.io/kaniko-project/executor@sha256:8504bde9a9a8c9c4e9a4f9f8a0f3b2f9f1d3a1c5b6d7e8f9a0b1c2d3e4f5a6b7";

/** A TaskRun as Tekton Pipelines leaves it while it runs: resolved spec, started, no outcome yet. */
const taskRun = (name: string, options: { image?: string; owner?: { name: string; uid: string; task: string } }): RunJson => ({
  apiVersion: "tekton.dev/v1",
  kind: "TaskRun",
  metadata: {
    name,
    namespace: NAMESPACE,
    labels: {
      "app.kubernetes.io/managed-by": "tekton-pipelines",
      ...(options.owner === undefined
        ? {}
        : { "tekton.dev/pipelineRun": options.owner.name, "tekton.dev/pipelineTask": options.owner.task }),
    },
    ...(options.owner === undefined
      ? {}
      : {
          ownerReferences: [
            {
              apiVersion: "tekton.dev/v1",
              kind: "PipelineRun",
              name: options.owner.name,
              uid: options.owner.uid,
              controller: true,
              blockOwnerDeletion: true,
            },
          ],
        }),
  },
  spec: { serviceAccountName: "default", taskRef: { name: "build-image" }, params: [{ name: "revision", value: "main" }] },
  status: {
    podName: `${name}-pod`,
    startTime: "2026-11-23T09:00:00Z",
    conditions: [{ type: "Succeeded", status: "Unknown", reason: "Running" }],
    steps: [
      { name: "clone", container: "step-clone", imageID: STEP_IMAGE },
      { name: "build", container: "step-build", imageID: BUILDER_IMAGE },
    ],
    taskSpec: {
      params: [{ name: "revision", type: "string", default: "main" }],
      steps: [
        { name: "clone", image: "gcr.io/tekton-releases/git-init", script: "git clone https://example.com/app.git" },
        { name: "build", image: "gcr.io/kaniko-project/executor", args: ["--destination", options.image ?? "none"] },
      ],
    },
    ...(options.image === undefined
      ? {}
      : {
          results: [
            { name: "IMAGE_URL", type: "string", value: options.image },
            {
              name: "IMAGE_DIGEST",
              type: "string",
              value: "sha256:4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945",
            },
          ],
        }),
  },
});

/** The demo's runs: one that builds an image, one that fails, and a pipeline with two tasks. */
export const sampleRuns = (): { readonly taskRuns: ReadonlyArray<RunJson>; readonly pipelineRun: RunJson } => {
  const pipeline = { name: "release-pipeline-run", uid: "6a1e0c8e-8f31-4a40-9d4b-9d2f3c7a1b01" };
  const childNames = ["release-pipeline-run-fetch", "release-pipeline-run-build"];
  return {
    taskRuns: [
      taskRun("build-image", { image: "registry.example.com/team/app:1.4.0" }),
      taskRun("flaky-tests", {}),
      taskRun(childNames[0]!, { owner: { ...pipeline, task: "fetch" } }),
      taskRun(childNames[1]!, { image: "registry.example.com/team/app:1.4.0", owner: { ...pipeline, task: "build" } }),
    ],
    pipelineRun: {
      apiVersion: "tekton.dev/v1",
      kind: "PipelineRun",
      metadata: { name: pipeline.name, namespace: NAMESPACE, uid: pipeline.uid, labels: { "tekton.dev/pipeline": "release" } },
      spec: { pipelineRef: { name: "release" }, taskRunTemplate: { serviceAccountName: "default" } },
      status: {
        startTime: "2026-11-23T09:00:00Z",
        conditions: [{ type: "Succeeded", status: "Unknown", reason: "Running" }],
        pipelineSpec: {
          tasks: [
            { name: "fetch", taskRef: { name: "git-clone" } },
            { name: "build", taskRef: { name: "build-image" }, runAfter: ["fetch"] },
          ],
        },
        childReferences: childNames.map((name, i) => ({
          apiVersion: "tekton.dev/v1",
          kind: "TaskRun",
          name,
          pipelineTaskName: i === 0 ? "fetch" : "build",
        })),
      },
    },
  };
};
