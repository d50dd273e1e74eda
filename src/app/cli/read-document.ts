import { readFile } from "node:fs/promises";
import { parse as parseYaml } from "yaml";

/** A JSON or YAML file the user named on the command line, parsed; errors say which file. */
export class DocumentUnreadable extends Error {
  override readonly name = "DocumentUnreadable";
}

export const readDocument = async (path: string): Promise<unknown> => {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new DocumentUnreadable(`cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    // Not JSON: YAML (a superset), which also gives a better message for malformed input.
  }
  try {
    return parseYaml(text) as unknown;
  } catch (error) {
    throw new DocumentUnreadable(`${path} is neither JSON nor YAML: ${error instanceof Error ? error.message : String(error)}`);
  }
};
