import { readFile } from "node:fs/promises";
import { parse as parseJson, type ParseError, type ParseErrorCode, printParseErrorCode } from "jsonc-parser";
import { parse as parseYaml, YAMLParseError } from "yaml";
import { DocumentUnreadable } from "./document-unreadable.ts";
import { parseJsonText } from "../../domain/serialization/json-text.ts";

/** 1-based line and column of a character offset. */
const lineAndColumn = (text: string, offset: number): string => {
  const before = text.slice(0, offset);
  const line = before.split("\n").length;
  return `line ${line} column ${offset - before.lastIndexOf("\n")}`;
};

/**
 * Where and why JSON.parse failed. V8's own message has no position for most errors (an
 * unexpected token), so the text is scanned again by a parser that reports offsets.
 */
const jsonSyntaxError = (text: string): string => {
  const errors: Array<ParseError> = [];
  parseJson(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  const first = errors[0];
  if (first === undefined) return `${lineAndColumn(text, text.length)}: not valid JSON`;
  return `${lineAndColumn(text, first.offset)}: ${describeJsonError(first.error)}`;
};

/** `InvalidSymbol` as `invalid symbol`. */
const describeJsonError = (code: ParseErrorCode): string =>
  printParseErrorCode(code).replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase();

const yamlSyntaxError = (error: unknown): string => {
  if (!(error instanceof YAMLParseError)) return error instanceof Error ? error.message : String(error);
  // The library's message continues with the offending line and a caret: keep its first sentence.
  const reason = (error.message.split("\n")[0] ?? "").replace(/ at line \d+, column \d+:?$/, "");
  const position = error.linePos?.[0];
  return position === undefined ? reason : `line ${position.line} column ${position.col}: ${reason}`;
};

export const readDocument = async (path: string): Promise<unknown> => {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new DocumentUnreadable({ path, problem: "unreadable", detail: error instanceof Error ? error.message : String(error) });
  }
  if (text.trim() === "") throw new DocumentUnreadable({ path, problem: "empty", detail: "" });
  try {
    return parseJsonText(text);
  } catch {
    // Not JSON: YAML next.
  }
  // Not JSON: YAML (a superset). A file that starts like JSON gets the JSON error, whose position is exact.
  try {
    return parseYaml(text) as unknown;
  } catch (error) {
    throw /^\s*[[{]/.test(text)
      ? new DocumentUnreadable({ path, problem: "invalid-json", detail: jsonSyntaxError(text) })
      : new DocumentUnreadable({ path, problem: "invalid-yaml", detail: yamlSyntaxError(error) });
  }
};
