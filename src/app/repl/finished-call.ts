import type { LifecycleSteps } from "../../domain/lifecycle/lifecycle-steps.ts";

export type StepName = keyof LifecycleSteps;
export type StepInput<K extends StepName> = Parameters<LifecycleSteps[K]>[0];
type StepOutcome<K extends StepName> = Awaited<ReturnType<LifecycleSteps[K]>>;

/** What one lifecycle step call did: the value it returned, or why its promise was rejected. */
export type FinishedCall = {
  readonly [K in StepName]: {
    readonly step: K;
    readonly input: StepInput<K>;
    readonly result:
      | { readonly _tag: "Returned"; readonly outcome: StepOutcome<K> }
      | { readonly _tag: "Rejected"; readonly error: unknown };
  };
}[StepName];
