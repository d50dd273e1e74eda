import { readdirSync, readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { bundleDir, bundleEntry } from "../../scripts/bundle/bundle-paths.ts";
import { deployDir, dockerfileFinalStage, dockerfileInstructions, findManifest, readDeployFile, releaseManifests } from "./deploy-manifests.ts";

const root = join(deployDir, "..");
const instructions = dockerfileInstructions();
const finalStage = dockerfileFinalStage();
const jsonArgs = (line: string | undefined): ReadonlyArray<string> => JSON.parse(line?.replace(/^\S+\s+/, "") ?? "null") as string[];

const packageJson = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

const sourceFiles = (dir: string): ReadonlyArray<string> =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : entry.name.endsWith(".ts") ? [join(dir, entry.name)] : [],
  );

/** Module specifiers a file loads at run time: type-only imports are erased by type stripping. */
const runtimeSpecifiers = (text: string): ReadonlyArray<string> => [
  ...[...text.matchAll(/^\s*(?:import|export)\s+(?!type\s)[^;]*?\sfrom\s+"([^"]+)"/gm)].map((m) => m[1]!),
  ...[...text.matchAll(/^\s*import\s+"([^"]+)"/gm)].map((m) => m[1]!),
  ...[...text.matchAll(/\bimport\(\s*"([^"]+)"\s*\)/g)].map((m) => m[1]!),
];

const packageName = (specifier: string): string => specifier.split("/").slice(0, specifier.startsWith("@") ? 2 : 1).join("/");

describe("deploy/Dockerfile", () => {
  it("installs production dependencies only, and src/ loads nothing else (the image has no devDependencies)", () => {
    expect(instructions.some((line) => /^RUN\s+npm ci\b.*--omit=dev/.test(line))).toBe(true);
    const packageImports = sourceFiles(join(root, "src")).flatMap((file) =>
      runtimeSpecifiers(readFileSync(file, "utf8"))
        .filter((s) => !s.startsWith(".") && !s.startsWith("node:") && !builtinModules.includes(s))
        .map((specifier) => ({ file: relative(root, file), specifier })),
    );
    expect(packageImports.length).toBeGreaterThan(0);
    const notInstalled = packageImports.filter(({ specifier }) => packageJson.dependencies[packageName(specifier)] === undefined);
    expect(notInstalled).toEqual([]);
  });

  it("runs `chains-ts controller` from the compiled CLI that bin/chains-ts runs, with the same Node flags", () => {
    const entrypoint = jsonArgs(finalStage.find((line) => /^ENTRYPOINT\s/.test(line)));
    const bin = readFileSync(join(root, "bin", "chains-ts"), "utf8");
    const binFlags = [...bin.matchAll(/\s(--[a-z-]+=\S+)/g)].map((m) => m[1]);
    expect(binFlags.length).toBeGreaterThan(0);
    for (const flag of binFlags) expect(entrypoint).toContain(flag);
    expect(entrypoint.at(-1)).toBe("controller");
    expect(entrypoint.at(-2)).toBe(`/app/${bundleEntry}`);
    expect(bin).toContain(`"$root/${bundleEntry}"`);
    expect(finalStage.some((line) => /^CMD\s/.test(line))).toBe(false);
  });

  it("copies the compiled CLI, package.json and node_modules into /app of the final stage, and the build context lets in what compiles it", () => {
    expect(finalStage.find((line) => /^WORKDIR\s/.test(line))).toBe("WORKDIR /app");
    const copied = finalStage.filter((line) => /^COPY\s/.test(line)).map((line) => line.split(/\s+/).at(-1));
    expect(copied).toEqual(expect.arrayContaining(["./node_modules", "./", `./${bundleDir}`]));
    expect(instructions.some((line) => /^RUN\s+node scripts\/bundle\/main\.ts$/.test(line))).toBe(true);
    const ignore = readDeployFile("Dockerfile.dockerignore").split("\n");
    for (const needed of ["!package.json", "!package-lock.json", "!src/", "!scripts/bundle/"]) expect(ignore).toContain(needed);
  });

  it("runs as the uid/gid the Deployment requires", () => {
    const user = finalStage.filter((line) => /^USER\s/.test(line)).at(-1);
    const deployment = findManifest(releaseManifests(), "Deployment", "tekton-chains-controller");
    const pod = (deployment["spec"] as { template: { spec: { securityContext: { runAsUser: number; runAsGroup: number } } } }).template.spec;
    expect(user).toBe(`USER ${pod.securityContext.runAsUser}:${pod.securityContext.runAsGroup}`);
  });
});
