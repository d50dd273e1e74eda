import { readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { importSpecifiers, sourceFiles } from "./source-imports.ts";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
  readonly dependencies: Readonly<Record<string, string>>;
  readonly devDependencies: Readonly<Record<string, string>>;
};

const builtins: ReadonlySet<string> = new Set(builtinModules);

/** The npm package a specifier loads (`@scope/name/sub` → `@scope/name`), or undefined for files and built-ins. */
const packageOf = (specifier: string): string | undefined => {
  if (specifier.startsWith(".") || specifier.startsWith("/") || specifier.startsWith("node:")) return undefined;
  const parts = specifier.split("/");
  const name = specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]!;
  return builtins.has(name) ? undefined : name;
};

/** Every package src/ imports, with the first file that imports it. */
const importedBySrc = new Map<string, string>();
for (const file of sourceFiles(join(root, "src"))) {
  for (const specifier of importSpecifiers(readFileSync(file, "utf8"))) {
    const name = packageOf(specifier);
    if (name !== undefined && !importedBySrc.has(name)) importedBySrc.set(name, relative(root, file));
  }
}

describe("runtime dependencies are exactly what src/ imports (what `npm install chains-ts` and the image get)", () => {
  it("reads package names as Node resolves them", () => {
    expect(["@sigstore/bundle", "effect/Schema", "yaml", "node:fs", "fs/promises", "./a.ts", "../b.ts"].map(packageOf)).toEqual([
      "@sigstore/bundle",
      "effect",
      "yaml",
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
    // The real tree imports packages, so the checks below have something to check.
    expect(importedBySrc.size).toBeGreaterThan(5);
  });

  it("lists no runtime dependency that src/ never imports (a test-only library belongs in devDependencies)", () => {
    const unused = Object.keys(manifest.dependencies).filter((name) => !importedBySrc.has(name));
    expect(unused).toEqual([]);
  });

  it("has src/ import only runtime dependencies, never a devDependency or an undeclared package", () => {
    const wrong = [...importedBySrc]
      .filter(([name]) => !Object.hasOwn(manifest.dependencies, name))
      .map(([name, file]) => `${file} imports ${name}, ${Object.hasOwn(manifest.devDependencies, name) ? "a devDependency" : "which package.json does not declare"}`);
    expect(wrong).toEqual([]);
  });
});
