import { RETRIES_ANNOTATION, SIGNED_ANNOTATION } from "./chains-annotations.ts";

/** What a run's annotations say about its signing, the only durable state chains-ts keeps. */
export type SigningState =
  | { readonly _tag: "Signed" }
  | { readonly _tag: "Failed" }
  /** `retries` is the number of failed passes already recorded (0 when none). */
  | { readonly _tag: "Unsigned"; readonly failedPasses: number };

/**
 * Reads the state. `signed` values other than `true`/`failed` mean not done, as in the reference.
 * A `retries` value that is not a small decimal counts as 0 instead of failing the run at once
 * (reference defect #25).
 */
export const signingStateOf = (annotations: Readonly<Record<string, string>> | undefined): SigningState => {
  const signed = annotations?.[SIGNED_ANNOTATION];
  if (signed === "true") return { _tag: "Signed" };
  if (signed === "failed") return { _tag: "Failed" };
  const retries = annotations?.[RETRIES_ANNOTATION];
  if (retries === undefined) return { _tag: "Unsigned", failedPasses: 0 };
  return { _tag: "Unsigned", failedPasses: /^\d{1,3}$/.test(retries) ? Number(retries) + 1 : 0 };
};

export const isTerminal = (state: SigningState): boolean => state._tag !== "Unsigned";
