import type { LifecycleSteps } from "../../domain/lifecycle/lifecycle-steps.ts";

export type StepName = keyof LifecycleSteps;
type StepInput<K extends StepName> = Parameters<LifecycleSteps[K]>[0];
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

interface HeldCall {
  readonly step: StepName;
  readonly input: unknown;
  readonly release: () => Promise<FinishedCall>;
}

/**
 * Holds every lifecycle step call until `release`, so the statechart moves one transition per
 * REPL `step`: the actor invokes a step, the call waits here, and the actor transitions when the
 * released call settles. The steps themselves are the controller's, unchanged.
 */
export class StepGate {
  #held: HeldCall | undefined;
  #waiters: Array<() => void> = [];

  /** The step call waiting for release, if any. */
  get held(): { readonly step: StepName; readonly input: unknown } | undefined {
    return this.#held;
  }

  /** Resolves once a call is held (at once if one already is). */
  whenHeld(): Promise<void> {
    if (this.#held !== undefined) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Runs the held call; resolves with what it did once it has settled. */
  release(): Promise<FinishedCall> {
    const held = this.#held;
    if (held === undefined) return Promise.reject(new Error("no lifecycle step is waiting"));
    this.#held = undefined;
    return held.release();
  }

  /** Forgets the held call of an actor that was stopped: it never runs. */
  discard(): void {
    this.#held = undefined;
  }

  wrap(steps: LifecycleSteps): LifecycleSteps {
    return {
      snapshot: this.#holding("snapshot", steps.snapshot),
      sign: this.#holding("sign", steps.sign),
      store: this.#holding("store", steps.store),
      annotate: this.#holding("annotate", steps.annotate),
      recordFailure: this.#holding("recordFailure", steps.recordFailure),
    };
  }

  #holding<K extends StepName>(step: K, run: (input: StepInput<K>) => Promise<StepOutcome<K>>) {
    return (input: StepInput<K>): Promise<StepOutcome<K>> =>
      new Promise((resolve, reject) => {
        const release = async (): Promise<FinishedCall> => {
          try {
            const outcome = await run(input);
            resolve(outcome);
            return { step, input, result: { _tag: "Returned", outcome } } as FinishedCall;
          } catch (error) {
            reject(error);
            return { step, input, result: { _tag: "Rejected", error } } as FinishedCall;
          }
        };
        this.#held = { step, input, release };
        for (const wake of this.#waiters.splice(0)) wake();
      });
  }
}
