export interface RequestLogEntry {
  readonly seq: number;
  readonly time: Date;
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly contentType: string | undefined;
  readonly userAgent: string | undefined;
  /** The client's bearer token (no auth is checked): tells apart clients sharing the emulator. */
  readonly bearerToken: string | undefined;
  /** get, list, watch, create, update, patch, delete, deletecollection, or `discovery`. */
  readonly verb: string;
  readonly resource: string | undefined;
  readonly group: string | undefined;
  readonly version: string | undefined;
  readonly namespace: string | undefined;
  readonly name: string | undefined;
  readonly subresource: string | undefined;
  readonly watch: boolean;
  /** Request body of writes, as received. */
  readonly body: string | undefined;
  /** HTTP status sent (for watches: the status the stream opened with); 0 if the connection was reset. */
  status: number;
  /** Whether a fault rule shaped this answer. */
  fault: boolean;
  /** The emulator is done with it: answered (a watch: opened), applied, or dropped with its connection. */
  handled: boolean;
}

export interface LogFilter {
  readonly method?: string;
  readonly verb?: string;
  readonly resource?: string;
  readonly namespace?: string;
  readonly name?: string;
  readonly subresource?: string;
  readonly status?: number;
  readonly bearerToken?: string;
}

const WRITE_METHODS = new Set(["POST", "PUT", "PATCH", "DELETE"]);

const matches = (entry: RequestLogEntry, filter: LogFilter): boolean =>
  (filter.method === undefined || filter.method.toUpperCase() === entry.method) &&
  (filter.verb === undefined || filter.verb === entry.verb) &&
  (filter.resource === undefined || filter.resource === entry.resource) &&
  (filter.namespace === undefined || filter.namespace === entry.namespace) &&
  (filter.name === undefined || filter.name === entry.name) &&
  (filter.subresource === undefined || filter.subresource === entry.subresource) &&
  (filter.status === undefined || filter.status === entry.status) &&
  (filter.bearerToken === undefined || filter.bearerToken === entry.bearerToken);

/** Every request the emulator received, in arrival order. */
export class RequestLog {
  readonly #entries: RequestLogEntry[] = [];
  #seq = 0;

  record(entry: Omit<RequestLogEntry, "seq">): RequestLogEntry {
    this.#seq += 1;
    const full: RequestLogEntry = { ...entry, seq: this.#seq };
    this.#entries.push(full);
    return full;
  }

  entries(filter: LogFilter = {}): readonly RequestLogEntry[] {
    return this.#entries.filter((e) => matches(e, filter));
  }

  /** POST, PUT, PATCH and DELETE requests (writes), optionally narrowed. */
  writes(filter: LogFilter = {}): readonly RequestLogEntry[] {
    return this.entries(filter).filter((e) => WRITE_METHODS.has(e.method));
  }

  count(filter: LogFilter = {}): number {
    return this.entries(filter).length;
  }

  clear(): void {
    this.#entries.length = 0;
  }
}
