import { existsSync, readdirSync, readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
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

  it("runs `chains-ts controller` with the same Node flags as bin/chains-ts", () => {
    const entrypoint = jsonArgs(finalStage.find((line) => /^ENTRYPOINT\s/.test(line)));
    const binFlags = [...readFileSync(join(root, "bin", "chains-ts"), "utf8").matchAll(/\s(--[a-z-]+=\S+)/g)].map((m) => m[1]);
    expect(binFlags.length).toBeGreaterThan(0);
    for (const flag of binFlags) expect(entrypoint).toContain(flag);
    expect(entrypoint.at(-1)).toBe("controller");
    const script = entrypoint.at(-2) ?? "";
    expect(script.startsWith("/app/")).toBe(true);
    expect(existsSync(join(root, script.slice("/app/".length)))).toBe(true);
    expect(finalStage.some((line) => /^CMD\s/.test(line))).toBe(false);
  });

  it("copies src/, package.json and node_modules into /app of the final stage, and the build context lets them in", () => {
    expect(finalStage.find((line) => /^WORKDIR\s/.test(line))).toBe("WORKDIR /app");
    const copied = finalStage.filter((line) => /^COPY\s/.test(line)).map((line) => line.split(/\s+/).at(-1));
    expect(copied).toEqual(expect.arrayContaining(["./node_modules", "./", "./src"]));
    const ignore = readDeployFile("Dockerfile.dockerignore").split("\n");
    for (const needed of ["!package.json", "!package-lock.json", "!src/"]) expect(ignore).toContain(needed);
  });

  it("runs as the uid/gid the Deployment requires", () => {
    const user = finalStage.filter((line) => /^USER\s/.test(line)).at(-1);
    const deployment = findManifest(releaseManifests(), "Deployment", "tekton-chains-controller");
    const pod = (deployment["spec"] as { template: { spec: { securityContext: { runAsUser: number; runAsGroup: number } } } }).template.spec;
    expect(user).toBe(`USER ${pod.securityContext.runAsUser}:${pod.securityContext.runAsGroup}`);
  });
});
