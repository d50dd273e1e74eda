import { Result } from "effect";
import type { FormatWarning } from "../type-hinting/format-warning.ts";
import { runFormatters } from "./format-registry.ts";
import { PayloadCreationFailed, type RunPayload, type RunPayloadInput } from "./format-types.ts";

export { PayloadCreationFailed } from "./format-types.ts";
export type { FormatWarning, ProvenanceOptions, RunKind, RunPayload, RunPayloadInput } from "./format-types.ts";
export { imagesToSign } from "./images-to-sign.ts";
export { simpleSigningPayload } from "./simple-signing.ts";
export { parseImageReference, InvalidImageReference, type ImageReference } from "../type-hinting/image-reference.ts";

const isObject = (value: unknown): boolean => typeof value === "object" && value !== null && !Array.isArray(value);

/** Same warning once, however many passes over the results noticed it. */
const distinct = (warnings: ReadonlyArray<FormatWarning>): ReadonlyArray<FormatWarning> => {
  const seen = new Set<string>();
  return warnings.filter((w) => {
    const key = `${w.code}\u0000${w.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
};

/**
 * The payload a run is signed with, in the configured format. Never throws: malformed hints and
 * images are left out with a warning; only an unusable run or unknown format fails.
 */
export const buildRunPayload = (input: RunPayloadInput): Result.Result<RunPayload, PayloadCreationFailed> => {
  const formatter = runFormatters.get(input.format);
  if (formatter === undefined)
    return Result.fail(new PayloadCreationFailed({ format: input.format, reason: "unknown format" }));
  if (!isObject(input.run))
    return Result.fail(new PayloadCreationFailed({ format: input.format, reason: `the ${input.kind} is not a JSON object` }));
  const warnings: Array<FormatWarning> = [];
  try {
    const payload = formatter.create(input, (w) => warnings.push(w));
    return Result.succeed({ payload, dsse: formatter.dsse, warnings: distinct(warnings) });
  } catch (error) {
    // A defect in a formatter must not take the controller down; the run is reported instead.
    return Result.fail(
      new PayloadCreationFailed({ format: input.format, reason: error instanceof Error ? error.message : String(error) }),
    );
  }
};
