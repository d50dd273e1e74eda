import type { LifecycleSteps } from "../../src/domain/lifecycle/lifecycle-steps.ts";

const noStep = () => Promise.reject(new Error("the pure test runs no step"));

/** Steps for a chart stepped with pure `initialTransition`/`transition`: the test delivers every outcome itself. */
export const unusedSteps: LifecycleSteps = {
  addFinalizer: noStep,
  releaseFinalizer: noStep,
  rearm: noStep,
  snapshot: noStep,
  sign: noStep,
  store: noStep,
  annotate: noStep,
  recordFailure: noStep,
};
