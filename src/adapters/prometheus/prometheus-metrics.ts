import { Counter, Registry } from "prom-client";
import type { Metrics } from "../../ports/metrics.ts";

type MetricsShape = Metrics["Service"];

/**
 * The Metrics port on a prom-client registry: each counter is created on first use, with the
 * label names of that first use (every call site of one metric passes the same labels).
 */
export class PrometheusMetrics implements MetricsShape {
  readonly registry = new Registry();
  readonly #counters = new Map<string, Counter>();

  readonly increment = (name: string, labels: Readonly<Record<string, string>> = {}): void => {
    let counter = this.#counters.get(name);
    if (counter === undefined) {
      counter = new Counter({
        // prom-client appends no suffix: the reference's names already end in `_total`.
        name,
        help: `chains-ts counter ${name}`,
        labelNames: Object.keys(labels),
        registers: [this.registry],
      });
      this.#counters.set(name, counter);
    }
    counter.inc({ ...labels });
  };

  /** The Prometheus text exposition of every counter. */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
