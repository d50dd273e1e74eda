import type { AdapterLog } from "./adapter-log.ts";
import { describeApiError } from "./api-errors.ts";
import type { KubeApi } from "./kube-api.ts";
import { type ListPage, type ListWatch, type ListWatchTiming, startListWatch } from "./list-watch.ts";

/** The first list of a watched object has not succeeded (yet). */
export class NotYetSynced extends Error {
  override readonly name = "NotYetSynced";
}

/**
 * One named object (e.g. ConfigMap `chains-config`) mirrored by a list-watch narrowed with a
 * `metadata.name` field selector: reads are served from memory, never by a GET per pass.
 * `undefined` means the object does not exist.
 */
export class NamedObjectCache<A> {
  #value: A | undefined;
  #uid: string | undefined;
  #synced = false;
  #lastError: unknown;
  readonly #waiters: Array<() => void> = [];
  readonly #watch: ListWatch;

  constructor(options: {
    readonly api: KubeApi;
    readonly description: string;
    readonly name: string;
    readonly watchPath: string;
    readonly list: (fieldSelector: string) => Promise<ListPage>;
    readonly decode: (object: unknown) => A;
    readonly timing: ListWatchTiming;
    readonly log: AdapterLog;
  }) {
    const fieldSelector = `metadata.name=${options.name}`;
    const matches = (object: unknown) => (object as { metadata?: { name?: unknown } } | undefined)?.metadata?.name === options.name;
    let listedValue: A | undefined;
    let listedUid: string | undefined;
    const uidOf = (object: unknown) => {
      const uid = (object as { metadata?: { uid?: unknown } } | undefined)?.metadata?.uid;
      return typeof uid === "string" ? uid : undefined;
    };
    this.#watch = startListWatch(
      options.api,
      {
        description: options.description,
        watchPath: options.watchPath,
        fieldSelector,
        list: async () => {
          try {
            return await options.list(fieldSelector);
          } catch (error) {
            this.#lastError = error;
            throw error;
          }
        },
      },
      {
        listStart: () => {
          listedValue = undefined;
          listedUid = undefined;
        },
        listItem: (object) => {
          if (!matches(object)) return;
          listedValue = options.decode(object);
          listedUid = uidOf(object);
        },
        listEnd: () => {
          this.#value = listedValue;
          this.#uid = listedUid;
          this.#synced = true;
          for (const wake of this.#waiters.splice(0)) wake();
        },
        watchEvent: (type, object) => {
          if (!matches(object)) return;
          this.#value = type === "DELETED" ? undefined : options.decode(object);
          this.#uid = type === "DELETED" ? undefined : uidOf(object);
        },
      },
      options.timing,
      options.log,
    );
  }

  /** The current value; waits up to `timeoutMs` for the first list. */
  async current(timeoutMs: number): Promise<A | undefined> {
    if (!this.#synced) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
      if (!this.#synced) {
        throw new NotYetSynced(this.#lastError === undefined ? `no answer within ${timeoutMs} ms` : describeApiError(this.#lastError));
      }
    }
    return this.#value;
  }

  /** The object's uid as last seen (for Events about it). */
  uid(): string | undefined {
    return this.#uid;
  }

  stop(): void {
    this.#watch.stop();
    for (const wake of this.#waiters.splice(0)) wake();
  }
}
