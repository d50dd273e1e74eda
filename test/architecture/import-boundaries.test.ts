import { readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { importSpecifiers, sourceFiles } from "./source-imports.ts";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const src = join(root, "src");

type Layer = "domain" | "ports" | "adapters" | "app";

interface Import {
  readonly file: string;
  readonly specifier: string;
  /** The layer a relative specifier lands in; undefined for a package or a node built-in. */
  readonly target: Layer | undefined;
}

const layerOf = (path: string): Layer | undefined => {
  const first = relative(src, path).split(/[\\/]/)[0];
  return first === "domain" || first === "ports" || first === "adapters" || first === "app" ? first : undefined;
};

const importsOf = (file: string, text: string): Array<Import> =>
  importSpecifiers(text).map((specifier) => {
    const target = specifier.startsWith(".") ? layerOf(resolve(dirname(file), specifier)) : undefined;
    return { file: relative(root, file), specifier, target };
  });

const allImports = sourceFiles(src).map((file) => ({ layer: layerOf(file), imports: importsOf(file, readFileSync(file, "utf8")) }));

const importsFrom = (layer: Layer): Array<Import> => allImports.filter((f) => f.layer === layer).flatMap((f) => f.imports);

const describeImport = (i: Import): string => `${i.file} imports ${i.specifier}`;

/** Packages and built-ins that do I/O: the domain must stay pure, so it takes none of them. */
const IO_MODULES = [/^(node:)?(fs|net|http|https|http2|child_process|dgram|tls)(\/|$)/, /^undici(\/|$)/, /^@kubernetes\/client-node(\/|$)/];

describe("import boundaries", () => {
  it("finds the imports of the sources (the parser sees static, re-exported, side-effect and dynamic imports, not comments)", () => {
    const file = join(src, "domain", "example.ts");
    const text = [
      `import { a } from "../ports/a.ts";`,
      `import type { B } from "./b.ts";`,
      `export { c } from "../app/c.ts";`,
      `import "node:fs";`,
      `const d = await import("../adapters/d.ts");`,
      `/** import { e } from "../app/e.ts" */`,
      `// import { f } from "undici";`,
    ].join("\n");
    expect(importsOf(file, text).map((i) => [i.specifier, i.target])).toEqual(
      expect.arrayContaining([
        ["../ports/a.ts", "ports"],
        ["./b.ts", "domain"],
        ["../app/c.ts", "app"],
        ["node:fs", undefined],
        ["../adapters/d.ts", "adapters"],
      ]),
    );
    expect(importsOf(file, text)).toHaveLength(5);
    // The real tree: every layer has sources, so the checks below have something to check.
    for (const layer of ["domain", "ports", "adapters", "app"] as const) expect(importsFrom(layer).length).toBeGreaterThan(0);
  });

  it("keeps the domain free of I/O modules and of adapters and app", () => {
    const violations = importsFrom("domain").filter(
      (i) => i.target === "adapters" || i.target === "app" || IO_MODULES.some((io) => io.test(i.specifier)),
    );
    expect(violations.map(describeImport)).toEqual([]);
  });

  it("keeps the ports free of adapters and app", () => {
    const violations = importsFrom("ports").filter((i) => i.target === "adapters" || i.target === "app");
    expect(violations.map(describeImport)).toEqual([]);
  });

  it("keeps the adapters free of app", () => {
    const violations = importsFrom("adapters").filter((i) => i.target === "app");
    expect(violations.map(describeImport)).toEqual([]);
  });
});
