import { readdirSync } from "node:fs";
import { join } from "node:path";

/** The TypeScript files under `dir`, recursively. */
export const sourceFiles = (dir: string): Array<string> =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith(".ts") ? [path] : [];
  });

/** Comments are blanked first, so prose such as `from "x"` in a doc comment is not taken for an import. */
export const withoutComments = (text: string): string =>
  text.replace(/\/\*[\s\S]*?\*\//g, " ").replace(/(^|[^:"'`])\/\/.*$/gm, "$1");

const IMPORT_PATTERNS = [
  /\bimport\s+(?:type\s+)?[^"';]*?\bfrom\s*["']([^"']+)["']/g,
  /\bexport\s+(?:type\s+)?[^"';]*?\bfrom\s*["']([^"']+)["']/g,
  /\bimport\s*["']([^"']+)["']/g,
  /\bimport\s*\(\s*["']([^"']+)["']\s*\)/g,
];

/** The specifiers a source imports: static, type-only, re-exported, side-effect and dynamic imports. */
export const importSpecifiers = (text: string): Array<string> => {
  const code = withoutComments(text);
  return IMPORT_PATTERNS.flatMap((pattern) => [...code.matchAll(pattern)].map((match) => match[1]!));
};
