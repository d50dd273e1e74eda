import type { Metrics } from "../../ports/metrics.ts";

type MetricsShape = Metrics["Service"];

export interface CounterSample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** Counters kept in memory, one series per name and label set. */
export class InMemoryMetrics implements MetricsShape {
  readonly #series = new Map<string, CounterSample>();

  readonly increment = (name: string, labels: Readonly<Record<string, string>> = {}): void => {
    const names = Object.keys(labels);
    // A signing pass counts several times: one label (or none) needs no sorting.
    const sorted = names.length < 2 ? labels : Object.fromEntries(Object.entries(labels).sort(([a], [b]) => compareText(a, b)));
    const key = names.length === 0 ? name : JSON.stringify([name, sorted]);
    const value = (this.#series.get(key)?.value ?? 0) + 1;
    this.#series.set(key, { name, labels: sorted, value });
  };

  /** Sum over the series of `name` whose labels include every given pair (all series without `labels`). */
  value(name: string, labels: Readonly<Record<string, string>> = {}): number {
    let total = 0;
    for (const sample of this.#series.values()) {
      const matches = Object.entries(labels).every(([k, v]) => sample.labels[k] === v);
      if (sample.name === name && matches) total += sample.value;
    }
    return total;
  }

  /** Every series, ordered by name then labels. */
  snapshot(): Array<CounterSample> {
    return [...this.#series.values()]
      .sort((a, b) => compareTexts([a.name, ...Object.entries(a.labels).flat()], [b.name, ...Object.entries(b.labels).flat()]))
      .map((sample) => ({ ...sample, labels: { ...sample.labels } }));
  }
}

const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Element by element; a prefix sorts first. */
const compareTexts = (a: ReadonlyArray<string>, b: ReadonlyArray<string>): number => {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const order = compareText(a[i] ?? "", b[i] ?? "");
    if (order !== 0) return order;
  }
  return a.length - b.length;
};
