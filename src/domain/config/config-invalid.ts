import { Data } from "effect";

/**
 * A `chains-config` value that chains-ts refuses. It names the key, the offending value and what
 * would have been accepted, so the user can fix the ConfigMap without reading the source.
 * Values of secret-bearing keys never reach this error: those keys are free strings and never fail.
 */
export class ConfigInvalid extends Data.TaggedError("ConfigInvalid")<{
  readonly key: string;
  readonly value: string;
  readonly allowed: ReadonlyArray<string>;
  readonly reason: string;
}> {
  override get message(): string {
    const allowed =
      this.allowed.length === 0 ? "" : `; allowed values: ${this.allowed.map((v) => JSON.stringify(v)).join(", ")}`;
    return `chains-config: invalid value ${JSON.stringify(this.value)} for key "${this.key}": ${this.reason}${allowed}`;
  }
}
