import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { setReleaseImage } from "../../scripts/image/release-image.ts";
import { deployDir, findManifest, identity, type Manifest, kustomizationResources, parseManifests, readDeployFile, releaseManifests } from "./deploy-manifests.ts";

const renderScript = join(deployDir, "render-release.mjs");

describe("deploy/release.yaml", () => {
  it("is exactly what deploy/render-release.mjs renders from the kustomization (re-run the script after editing deploy/)", () => {
    const rendered = spawnSync(process.execPath, [renderScript, "--stdout"], { encoding: "utf8" });
    expect(rendered.stderr).toBe("");
    expect(rendered.status).toBe(0);
    expect(readDeployFile("release.yaml")).toBe(rendered.stdout);
  });

  it("holds every object of every kustomization resource, in kustomization order", () => {
    const fromFiles = kustomizationResources().flatMap((file) => parseManifests(readDeployFile(file), `deploy/${file}`));
    expect(releaseManifests()).toEqual(fromFiles);
  });

  it("has one kind per resource file, and no object twice", () => {
    for (const file of kustomizationResources()) {
      const kinds = new Set(parseManifests(readDeployFile(file), file).map((m) => m.kind));
      expect({ file, kinds: kinds.size }).toEqual({ file, kinds: 1 });
    }
    const ids = releaseManifests().map(identity);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("creates the Namespace before any object placed in it", () => {
    const manifests = releaseManifests();
    const namespaceAt = manifests.findIndex((m) => m.kind === "Namespace" && m.metadata.name === "tekton-chains");
    expect(namespaceAt).toBe(0);
    expect(manifests.filter((m) => m.metadata.namespace !== undefined).every((m) => m.metadata.namespace === "tekton-chains")).toBe(true);
  });

  it("render-release.mjs --check fails on a stale release.yaml, and a plain run brings it up to date", () => {
    const copy = mkdtempSync(join(tmpdir(), "chains-ts-deploy-"));
    try {
      cpSync(deployDir, copy, { recursive: true });
      const script = join(copy, "render-release.mjs");
      const run = (...args: string[]) => spawnSync(process.execPath, [script, ...args], { encoding: "utf8" });
      expect(run("--check").status).toBe(0);
      writeFileSync(join(copy, "service.yaml"), `${readFileSync(join(copy, "service.yaml"), "utf8")}# edited\n`);
      const stale = run("--check");
      expect(stale.status).toBe(1);
      expect(stale.stderr).toContain("out of date");
      expect(run().status).toBe(0);
      expect(run("--check").status).toBe(0);
      expect(readFileSync(join(copy, "release.yaml"), "utf8")).toContain("# edited");
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });
});

const controllerImage = (manifests: ReadonlyArray<Manifest>): string =>
  (findManifest(manifests, "Deployment", "tekton-chains-controller")["spec"] as {
    template: { spec: { containers: ReadonlyArray<{ image: string }> } };
  }).template.spec.containers[0]!.image;

describe("deploy/ pointed at a pushed image (npm run image -- --push REF --release)", () => {
  it("sets the kustomization's images: entry, keeps its comments, and renders release.yaml with the image by digest", () => {
    const copy = mkdtempSync(join(tmpdir(), "chains-ts-deploy-"));
    try {
      cpSync(deployDir, copy, { recursive: true });
      const digest = `sha256:${"0123456789abcdef".repeat(4)}`;
      setReleaseImage(copy, "registry.example.com:5000/team/chains-ts", digest);
      const kustomization = readFileSync(join(copy, "kustomization.yaml"), "utf8");
      expect(kustomization).toContain(readDeployFile("kustomization.yaml").split("\n")[0]);
      const release = readFileSync(join(copy, "release.yaml"), "utf8");
      expect(controllerImage(parseManifests(release, "release.yaml"))).toBe(`registry.example.com:5000/team/chains-ts@${digest}`);
      expect(release).not.toContain("chains-ts:devel");
      // Every other line is as before: only the image changed.
      const before = readDeployFile("release.yaml").split("\n");
      const after = release.split("\n");
      expect(after.length).toBe(before.length);
      expect(after.filter((line, i) => line !== before[i])).toEqual([expect.stringMatching(/^\s+image: registry\.example\.com:5000\/team\/chains-ts@sha256:/)]);
      const check = spawnSync(process.execPath, [join(copy, "render-release.mjs"), "--check"], { encoding: "utf8" });
      expect(check.status).toBe(0);
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });
});

const kubectlMissing = spawnSync("kubectl", ["version", "--client"], { stdio: "ignore" }).error !== undefined;

// With CI=true a missing kubectl fails this suite instead of skipping it.
describe.skipIf(kubectlMissing && process.env["CI"] !== "true")("kubectl kustomize deploy/ (offline)", () => {
  it("builds the same objects as release.yaml", () => {
    const built = spawnSync("kubectl", ["kustomize", deployDir], { encoding: "utf8" });
    if (built.error !== undefined) throw new Error(`kubectl is not on PATH; with CI=true it is required: ${built.error.message}`);
    expect(built.stderr).toBe("");
    expect(built.status).toBe(0);
    const kustomized = parseManifests(built.stdout, "kubectl kustomize deploy/");
    expect(kustomized.map(identity).sort()).toEqual(releaseManifests().map(identity).sort());
    const byIdentity = (manifests: ReadonlyArray<Manifest>) => new Map(manifests.map((m) => [identity(m), m]));
    expect(byIdentity(kustomized)).toEqual(byIdentity(releaseManifests()));
  });

  it.each([
    ["a digest, as npm run image --release writes it", "images:\n  - name: chains-ts\n    newName: registry.example.com/chains-ts\n    digest: sha256:" + "ab".repeat(32)],
    ["a digest, as kustomize edit set image writes it", "images:\n- digest: sha256:" + "cd".repeat(32) + "\n  name: chains-ts\n  newName: 127.0.0.1:5000/x"],
    ["a new tag", "images:\n- name: chains-ts\n  newTag: v2"],
    ["a new name, keeping the tag", "images:\n- name: chains-ts\n  newName: registry.example.com/y"],
  ])("agrees with render-release.mjs on an images: entry with %s", (_, images) => {
    const copy = mkdtempSync(join(tmpdir(), "chains-ts-deploy-"));
    try {
      cpSync(deployDir, copy, { recursive: true });
      writeFileSync(join(copy, "kustomization.yaml"), `${readFileSync(join(copy, "kustomization.yaml"), "utf8")}${images}\n`);
      const rendered = spawnSync(process.execPath, [join(copy, "render-release.mjs"), "--stdout"], { encoding: "utf8" });
      const built = spawnSync("kubectl", ["kustomize", copy], { encoding: "utf8" });
      if (built.error !== undefined) throw new Error(`kubectl is not on PATH; with CI=true it is required: ${built.error.message}`);
      expect(built.status).toBe(0);
      const image = controllerImage(parseManifests(rendered.stdout, "render-release.mjs"));
      expect(image).not.toBe(controllerImage(releaseManifests()));
      expect(image).toBe(controllerImage(parseManifests(built.stdout, "kubectl kustomize")));
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });
});
