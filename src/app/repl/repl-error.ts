import { Data } from "effect";

/** A REPL command that could not do what was asked; `reason` tells the user what to change. */
export class ReplCommandFailed extends Data.TaggedError("ReplCommandFailed")<{
  readonly reason: string;
}> {
  override get message(): string {
    return this.reason;
  }
}

export const fail = (reason: string): never => {
  throw new ReplCommandFailed({ reason });
};
