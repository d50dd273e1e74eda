/** What a request is, as far as fault rules can tell. */
export interface RequestFacts {
  readonly method: string;
  readonly path: string;
  readonly verb: string;
  readonly resource: string | undefined;
  readonly kind: string | undefined;
  readonly namespace: string | undefined;
  readonly name: string | undefined;
  readonly subresource: string | undefined;
  readonly watch: boolean;
  readonly contentType: string | undefined;
}

export interface FaultMatch {
  readonly method?: string;
  /** Tested against the path (without the query). */
  readonly pathRegex?: RegExp | string;
  /** Plural resource name, e.g. `taskruns`. */
  readonly resource?: string;
  readonly kind?: string;
  /** get, list, watch, create, update, patch, delete, deletecollection. */
  readonly verb?: string;
  readonly namespace?: string;
  readonly name?: string;
  readonly subresource?: string;
  readonly watch?: boolean;
  /** Matched against the media type, e.g. `application/apply-patch+yaml`. */
  readonly contentType?: string;
}

export type FaultResponse =
  /** Answer at once with this status; `body` defaults to a Status object; 429s get `Retry-After: 1`. */
  | { readonly status: number; readonly body?: unknown; readonly headers?: Readonly<Record<string, string>> }
  /** Wait, then serve normally (a slow server; long enough delays make client timeouts). */
  | { readonly delayMs: number }
  /** Serve normally, but end a watch stream after this long. */
  | { readonly dropWatchAfterMs: number }
  /** Destroy the connection without an answer. */
  | { readonly resetConnection: true };

export interface FaultRule {
  readonly match?: FaultMatch;
  /** How many matching requests the rule affects. Default 1; `Infinity` for all. */
  readonly times?: number;
  /**
   * The share of matching requests the rule affects (0–1), for background fault rates; the rest are
   * left to later rules. Default 1. Draws come from `random` (default `Math.random`).
   */
  readonly probability?: number;
  readonly random?: () => number;
  readonly respond: FaultResponse;
}

export interface InstalledFault {
  readonly rule: FaultRule;
  /** Requests this rule has affected so far. */
  readonly hits: number;
  readonly remove: () => void;
}

interface Entry {
  readonly rule: FaultRule;
  remaining: number;
  hits: number;
}

const matches = (match: FaultMatch | undefined, facts: RequestFacts): boolean => {
  if (match === undefined) return true;
  if (match.method !== undefined && match.method.toUpperCase() !== facts.method) return false;
  if (match.pathRegex !== undefined && !new RegExp(match.pathRegex).test(facts.path)) return false;
  if (match.resource !== undefined && match.resource !== facts.resource) return false;
  if (match.kind !== undefined && match.kind !== facts.kind) return false;
  if (match.verb !== undefined && match.verb !== facts.verb) return false;
  if (match.namespace !== undefined && match.namespace !== facts.namespace) return false;
  if (match.name !== undefined && match.name !== facts.name) return false;
  if (match.subresource !== undefined && match.subresource !== facts.subresource) return false;
  if (match.watch !== undefined && match.watch !== facts.watch) return false;
  if (match.contentType !== undefined && facts.contentType?.split(";")[0]?.trim() !== match.contentType) return false;
  return true;
};

const drawn = (rule: FaultRule): boolean => rule.probability === undefined || (rule.random ?? Math.random)() < rule.probability;

/** Rules are consulted in the order they were added; the first one with uses left applies. */
export class FaultInjector {
  readonly #entries: Entry[] = [];

  add(rule: FaultRule): InstalledFault {
    const entry: Entry = { rule, remaining: rule.times ?? 1, hits: 0 };
    this.#entries.push(entry);
    return {
      rule,
      get hits() {
        return entry.hits;
      },
      remove: () => {
        const index = this.#entries.indexOf(entry);
        if (index >= 0) this.#entries.splice(index, 1);
      },
    };
  }

  clear(): void {
    this.#entries.length = 0;
  }

  /** The response for this request, consuming one use of the rule; undefined when no rule applies. */
  take(facts: RequestFacts): FaultResponse | undefined {
    const entry = this.#entries.find((e) => e.remaining > 0 && matches(e.rule.match, facts) && drawn(e.rule));
    if (entry === undefined) return undefined;
    entry.remaining -= 1;
    entry.hits += 1;
    return entry.rule.respond;
  }
}
