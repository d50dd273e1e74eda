import { describe, expect, it } from "vitest";
import { imageConfigJson } from "../../scripts/image/image-config.ts";
import { nodePath } from "../../scripts/image/image-layout.ts";
import { parsePushTarget } from "../../scripts/image/push-target.ts";
import { dockerfileFinalStage, findManifest, releaseManifests } from "./deploy-manifests.ts";

const instruction = (name: string): ReadonlyArray<string> =>
  dockerfileFinalStage()
    .filter((line) => line.startsWith(`${name} `))
    .map((line) => line.slice(name.length + 1).trim());

const config = JSON.parse(imageConfigJson([{ createdBy: "layer", diffId: `sha256:${"ab".repeat(32)}` }], new Date(1_700_000_000_000))) as {
  created: string;
  architecture: string;
  os: string;
  config: { User: string; Env: ReadonlyArray<string>; Entrypoint: ReadonlyArray<string>; WorkingDir: string };
  rootfs: { diff_ids: ReadonlyArray<string> };
  history: ReadonlyArray<Record<string, string>>;
};

describe("the image npm run image builds, against deploy/Dockerfile and the Deployment", () => {
  it("starts like the Dockerfile's image: same entrypoint, user, working directory and NODE_ENV", () => {
    expect(config.config.Entrypoint).toEqual(JSON.parse(instruction("ENTRYPOINT").at(-1) ?? "null"));
    expect(config.config.User).toBe(instruction("USER").at(-1));
    expect(config.config.WorkingDir).toBe(instruction("WORKDIR").at(-1));
    for (const env of instruction("ENV")) expect(config.config.Env).toContain(env);
    expect(config.config.Entrypoint[0]).toBe(nodePath);
  });

  it("runs as the uid/gid the Deployment requires, on linux/amd64", () => {
    const deployment = findManifest(releaseManifests(), "Deployment", "tekton-chains-controller");
    const pod = (deployment["spec"] as { template: { spec: { securityContext: { runAsUser: number; runAsGroup: number } } } }).template.spec;
    expect(config.config.User).toBe(`${pod.securityContext.runAsUser}:${pod.securityContext.runAsGroup}`);
    expect([config.os, config.architecture]).toEqual(["linux", "amd64"]);
  });

  it("takes its times from the build epoch only: created is the epoch, history has no times", () => {
    expect(config.created).toBe("2023-11-14T22:13:20Z");
    expect(config.history).toEqual([{ created_by: "layer" }]);
    expect(config.rootfs.diff_ids).toEqual([`sha256:${"ab".repeat(32)}`]);
  });
});

describe("npm run image -- --push REF", () => {
  it("accepts REGISTRY/REPO[:TAG] with the registry named", () => {
    expect(parsePushTarget("127.0.0.1:5000/chains-ts")).toEqual({ registry: "127.0.0.1:5000", repository: "chains-ts" });
    expect(parsePushTarget("registry.example.com/team/chains-ts:v1.2")).toEqual({
      registry: "registry.example.com",
      repository: "team/chains-ts",
      tag: "v1.2",
    });
    expect(parsePushTarget("localhost/a/b:latest")).toEqual({ registry: "localhost", repository: "a/b", tag: "latest" });
    expect(parsePushTarget("docker.io/me/chains-ts")).toEqual({ registry: "index.docker.io", repository: "me/chains-ts" });
  });

  it("rejects a reference without a registry, or with a bad repository or tag, saying what is wrong", () => {
    expect(parsePushTarget("team/chains-ts")).toContain("name the registry");
    expect(parsePushTarget("chains-ts")).toContain("name the registry");
    expect(parsePushTarget("registry.example.com/Team/App")).toContain("not a valid repository name");
    expect(parsePushTarget("registry.example.com/app:bad tag")).toContain("not a valid tag");
  });
});
