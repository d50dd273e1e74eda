import { Data } from "effect";

export type DocumentProblem = "unreadable" | "empty" | "invalid-json" | "invalid-yaml";

/**
 * A JSON or YAML file the user named on the command line could not be parsed. The message names
 * the file and, for a syntax error, the line and column, so it fits on one line of stderr.
 */
export class DocumentUnreadable extends Data.TaggedError("DocumentUnreadable")<{
  readonly path: string;
  readonly problem: DocumentProblem;
  /** Why: the system error, or `line L column C: reason` for a syntax error. */
  readonly detail: string;
}> {
  override get message(): string {
    switch (this.problem) {
      case "unreadable":
        return `cannot read ${this.path}: ${this.detail}`;
      case "empty":
        return `${this.path} is empty`;
      case "invalid-json":
        return `${this.path}: invalid JSON at ${this.detail}`;
      case "invalid-yaml":
        return `${this.path}: invalid YAML at ${this.detail}`;
    }
  }
}
