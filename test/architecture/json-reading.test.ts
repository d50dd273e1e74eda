import { readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { sourceFiles, withoutComments } from "./source-imports.ts";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const reader = "src/domain/serialization/json-text.ts";

/** Ways to read JSON text that go through V8's JSON parser directly, which can misread escaped keys. */
const NATIVE_READS = /\bJSON\.parse\s*\(|\.json\s*\(\s*\)/;

describe("reading JSON text", () => {
  it("goes through parseJsonText everywhere in src", () => {
    const files = sourceFiles(join(root, "src")).map((file) => ({ file: relative(root, file), code: withoutComments(readFileSync(file, "utf8")) }));
    // The check sees what it must: the reader itself calls JSON.parse.
    expect(files.find((f) => f.file === reader)?.code).toMatch(NATIVE_READS);
    expect(files.filter((f) => f.file !== reader && NATIVE_READS.test(f.code)).map((f) => f.file)).toEqual([]);
  });
});
