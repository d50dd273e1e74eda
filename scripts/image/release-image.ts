import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseDocument } from "yaml";

/** The image name deploy/deployment.yaml uses; the kustomization's `images:` entry replaces it. */
export const deploymentImageName = "chains-ts";

/**
 * Points deploy/ at a pushed image by digest: sets the kustomization's `images:` entry for
 * `chains-ts` (so `kubectl apply -k deploy/` uses it) and re-renders deploy/release.yaml, which
 * applies the same entry. The kustomization's comments are kept.
 */
export const setReleaseImage = (deployDir: string, repository: string, digest: string): void => {
  const path = join(deployDir, "kustomization.yaml");
  const kustomization = parseDocument(readFileSync(path, "utf8"));
  kustomization.set("images", [{ name: deploymentImageName, newName: repository, digest }]);
  writeFileSync(path, kustomization.toString());
  execFileSync(process.execPath, [join(deployDir, "render-release.mjs")], { stdio: "inherit" });
};
