import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse, parseAllDocuments } from "yaml";

export const deployDir = join(import.meta.dirname, "..", "..", "deploy");

export const readDeployFile = (name: string): string => readFileSync(join(deployDir, name), "utf8");

/** deploy/Dockerfile's instructions, continuation lines joined, comments and blank lines dropped. */
export const dockerfileInstructions = (): ReadonlyArray<string> =>
  readDeployFile("Dockerfile")
    .replace(/\\\n/g, " ")
    .split("\n")
    .filter((line) => line.trim() !== "" && !line.trimStart().startsWith("#"));

/** The instructions of the Dockerfile's last (final) stage. */
export const dockerfileFinalStage = (): ReadonlyArray<string> => {
  const instructions = dockerfileInstructions();
  return instructions.slice(instructions.findLastIndex((line) => /^FROM\s/i.test(line)));
};

/** A Kubernetes object as parsed from YAML; fields are read through the typed helpers below. */
export type Manifest = Record<string, unknown> & { readonly kind: string; readonly metadata: { readonly name: string; readonly namespace?: string } };

/** Every non-empty document of a multi-document YAML text; a YAML error fails the caller. */
export const parseManifests = (text: string, source: string): ReadonlyArray<Manifest> =>
  parseAllDocuments(text).flatMap((doc) => {
    if (doc.errors.length > 0) throw new Error(`${source}: ${doc.errors.map((e) => e.message).join("; ")}`);
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) return [];
    const manifest = value as Manifest;
    if (typeof manifest.kind !== "string" || typeof manifest.metadata?.name !== "string") {
      throw new Error(`${source}: a document without kind or metadata.name`);
    }
    return [manifest];
  });

/** The `resources:` of deploy/kustomization.yaml, parsed with the yaml package (not the render script's reader). */
export const kustomizationResources = (): ReadonlyArray<string> => {
  const kustomization: unknown = parse(readDeployFile("kustomization.yaml"));
  const resources = (kustomization as { resources?: unknown } | null)?.resources;
  if (!Array.isArray(resources) || !resources.every((item) => typeof item === "string")) {
    throw new Error("deploy/kustomization.yaml: resources must be a list of file names");
  }
  return resources;
};

export const releaseManifests = (): ReadonlyArray<Manifest> => parseManifests(readDeployFile("release.yaml"), "deploy/release.yaml");

export const findManifest = (manifests: ReadonlyArray<Manifest>, kind: string, name: string): Manifest => {
  const found = manifests.filter((m) => m.kind === kind && m.metadata.name === name);
  if (found.length !== 1) throw new Error(`expected exactly one ${kind}/${name}, found ${found.length}`);
  return found[0]!;
};

export const identity = (m: Manifest): string => `${m.kind}/${m.metadata.namespace ?? ""}/${m.metadata.name}`;
