import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { BuildSource } from "./build-provenance.ts";

const git = (root: string, ...args: string[]): string =>
  execFileSync("git", ["-C", root, ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();

/**
 * The checkout an image is built from, for its provenance. Throws when `root` is not a git
 * checkout: a signed provenance that names no commit would attest nothing.
 */
export const readBuildSource = (root: string): BuildSource => {
  let commit: string;
  try {
    commit = git(root, "rev-parse", "HEAD");
  } catch {
    throw new Error(`--key signs a provenance naming the git commit, and ${root} is not a git checkout with a commit`);
  }
  let origin = "";
  try {
    origin = git(root, "config", "--get", "remote.origin.url");
  } catch {
    // No origin: the checkout itself is the source.
  }
  return {
    repositoryUri: `git+${origin === "" ? `file://${root}` : origin}`,
    commit,
    dirty: git(root, "status", "--porcelain", "--untracked-files=no") !== "",
    packageLockSha256: createHash("sha256").update(readFileSync(join(root, "package-lock.json"))).digest("hex"),
  };
};
