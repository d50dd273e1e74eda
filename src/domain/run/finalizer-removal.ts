import { CHAINS_FINALIZERS } from "../annotations/chains-annotations.ts";

/** A JSON Patch (RFC 6902) operation on `metadata.finalizers`. */
export type FinalizerPatchOperation =
  | { readonly op: "test"; readonly path: string; readonly value: string }
  | { readonly op: "remove"; readonly path: string };

export interface FinalizerRemoval {
  /** The Chains finalizers found, in list order. */
  readonly removed: ReadonlyArray<string>;
  /**
   * Tests that each one is still where it was read, then removes them from the last to the first
   * (so earlier indices stay valid): the API server rejects the whole patch if the list changed.
   */
  readonly patch: ReadonlyArray<FinalizerPatchOperation>;
}

/** How to drop the Chains finalizers from a finalizer list, keeping every other; undefined when there are none. */
export const chainsFinalizerRemoval = (finalizers: ReadonlyArray<unknown>): FinalizerRemoval | undefined => {
  const found = finalizers.flatMap((value, index) =>
    typeof value === "string" && CHAINS_FINALIZERS.includes(value) ? [{ value, path: `/metadata/finalizers/${index}` }] : [],
  );
  if (found.length === 0) return undefined;
  return {
    removed: found.map((f) => f.value),
    patch: [
      ...found.map((f) => ({ op: "test" as const, path: f.path, value: f.value })),
      ...found.toReversed().map((f) => ({ op: "remove" as const, path: f.path })),
    ],
  };
};
