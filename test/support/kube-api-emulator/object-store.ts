import { clone, isObject, type JsonObject } from "./json-values.ts";

export type ChangeType = "ADDED" | "MODIFIED" | "DELETED";

/** One committed change; `previous` lets selector-filtered watches turn a MODIFIED into ADDED/DELETED. */
export interface Change {
  readonly resourceVersion: number;
  readonly resource: string;
  readonly type: ChangeType;
  readonly object: JsonObject;
  readonly previous: JsonObject | undefined;
}

export interface ObjectStoreOptions {
  /** How many changes are kept for watch replay. Older resourceVersions get 410 Gone. Default 1000. */
  readonly historyLimit?: number;
  /** The first resourceVersion handed out. Default 1. */
  readonly firstResourceVersion?: number;
}

const objectKey = (object: JsonObject): string => {
  const metadata = isObject(object["metadata"]) ? object["metadata"] : {};
  return `${String(metadata["namespace"] ?? "")}/${String(metadata["name"] ?? "")}`;
};

/**
 * Objects per resource (keyed `group/plural`), one global resourceVersion counter (like etcd's revision),
 * and a bounded history of changes for watch replay. Everything handed out is a copy.
 */
export class ObjectStore {
  readonly #objects = new Map<string, Map<string, JsonObject>>();
  readonly #history: Change[] = [];
  readonly #historyLimit: number;
  readonly #listeners = new Set<(change: Change) => void>();
  #counter: number;
  /** Changes at or below this resourceVersion are no longer replayable. */
  #compactedThrough: number;

  constructor(options: ObjectStoreOptions = {}) {
    this.#historyLimit = options.historyLimit ?? 1000;
    this.#counter = (options.firstResourceVersion ?? 1) - 1;
    this.#compactedThrough = this.#counter;
  }

  get resourceVersion(): number {
    return this.#counter;
  }

  get compactedThrough(): number {
    return this.#compactedThrough;
  }

  get(resource: string, namespace: string, name: string): JsonObject | undefined {
    const found = this.#objects.get(resource)?.get(`${namespace}/${name}`);
    return found === undefined ? undefined : clone(found);
  }

  /** Sorted by namespace then name, like etcd key order. */
  list(resource: string, namespace?: string): JsonObject[] {
    const bucket = this.#objects.get(resource);
    if (bucket === undefined) return [];
    return [...bucket.entries()]
      .filter(([key]) => namespace === undefined || key.startsWith(`${namespace}/`))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, object]) => clone(object));
  }

  /**
   * The first `limit` (0: all) objects that `select` accepts, in `list` order, and how many more it
   * accepts after them. Only the page is copied, so paging through a large list stays linear.
   */
  page(resource: string, namespace: string | undefined, select: (object: JsonObject) => boolean, limit: number): { items: JsonObject[]; remaining: number } {
    const bucket = this.#objects.get(resource);
    if (bucket === undefined) return { items: [], remaining: 0 };
    const selected = [...bucket.entries()]
      .filter(([key, object]) => (namespace === undefined || key.startsWith(`${namespace}/`)) && select(object))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const page = limit > 0 ? selected.slice(0, limit) : selected;
    return { items: page.map(([, object]) => clone(object)), remaining: selected.length - page.length };
  }

  /** Stamps the next resourceVersion on `object`, stores (or removes) it and notifies watchers. */
  commit(resource: string, type: ChangeType, object: JsonObject): JsonObject {
    const stored = clone(object);
    this.#counter += 1;
    const metadata = isObject(stored["metadata"]) ? stored["metadata"] : {};
    metadata["resourceVersion"] = String(this.#counter);
    stored["metadata"] = metadata;
    let bucket = this.#objects.get(resource);
    if (bucket === undefined) {
      bucket = new Map();
      this.#objects.set(resource, bucket);
    }
    const key = objectKey(stored);
    const previous = bucket.get(key);
    if (type === "DELETED") bucket.delete(key);
    else bucket.set(key, stored);
    const change: Change = { resourceVersion: this.#counter, resource, type, object: stored, previous };
    this.#history.push(change);
    while (this.#history.length > this.#historyLimit) {
      const dropped = this.#history.shift();
      if (dropped !== undefined) this.#compactedThrough = dropped.resourceVersion;
    }
    for (const listener of [...this.#listeners]) listener(change);
    return clone(stored);
  }

  subscribe(listener: (change: Change) => void): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  /** Changes after `resourceVersion`, or `undefined` when some of them were compacted away. */
  changesAfter(resourceVersion: number): readonly Change[] | undefined {
    if (resourceVersion < this.#compactedThrough) return undefined;
    return this.#history.filter((change) => change.resourceVersion > resourceVersion);
  }

  /** Forgets all history, like an etcd compaction: watches from any past resourceVersion get 410. */
  compact(): void {
    this.#history.length = 0;
    this.#compactedThrough = this.#counter;
  }
}
