import type { InMemoryArtifactStore } from "../../adapters/memory/in-memory-artifact-store.ts";
import type { InMemoryCluster, RecordedWrite } from "../../adapters/memory/in-memory-cluster.ts";
import type { InMemoryTransparencyLog } from "../../adapters/memory/in-memory-transparency-log.ts";
import { CHAINS_PREFIX, RETRIES_ANNOTATION, SIGNED_ANNOTATION } from "../../domain/annotations/chains-annotations.ts";
import { runKey, type RunRef } from "../../domain/run/run-ref.ts";

/** How far each in-memory adapter's record had got, to report only what one step added. */
export interface EffectsMark {
  readonly writes: number;
  /** The count of each Event recorded so far: a repeat updates its Event's count. */
  readonly events: ReadonlyArray<number>;
  readonly stored: ReadonlyArray<number>;
  readonly entries: number;
}

/** Short annotation name; the values of `signed` and `retries` matter, the others are long base64. */
const annotationSummary = (annotations: Readonly<Record<string, string>>): string =>
  Object.keys(annotations)
    .sort()
    .map((key) =>
      key === SIGNED_ANNOTATION || key === RETRIES_ANNOTATION
        ? `${key.slice(CHAINS_PREFIX.length)}=${annotations[key]}`
        : key.slice(CHAINS_PREFIX.length),
    )
    .join(", ");

export const describeWrite = (recorded: RecordedWrite): string => {
  const parts: Array<string> = [];
  const annotations = recorded.write.annotations ?? {};
  if (Object.keys(annotations).length > 0) parts.push(`annotations ${annotationSummary(annotations)}`);
  if (recorded.write.addFinalizer !== undefined) parts.push(`add finalizer ${recorded.write.addFinalizer}`);
  if (recorded.write.removeFinalizer !== undefined) parts.push(`remove finalizer ${recorded.write.removeFinalizer}`);
  return `cluster write ${runKey(recorded.ref)}: ${parts.join("; ") || "nothing"} → ${recorded.outcome}`;
};

/**
 * What the in-memory cluster, stores and transparency log recorded, read back after a step: the
 * REPL shows the effects the ports really had, not what it expects them to have.
 */
export class SideEffects {
  readonly #cluster: InMemoryCluster;
  readonly #stores: ReadonlyArray<InMemoryArtifactStore>;
  readonly #tlog: InMemoryTransparencyLog;

  constructor(cluster: InMemoryCluster, stores: ReadonlyArray<InMemoryArtifactStore>, tlog: InMemoryTransparencyLog) {
    this.#cluster = cluster;
    this.#stores = stores;
    this.#tlog = tlog;
  }

  mark(): EffectsMark {
    return {
      writes: this.#cluster.writes().length,
      events: this.#cluster.events().map((event) => event.count),
      stored: this.#stores.map((store) => store.stored().length),
      entries: this.#tlog.entries().length,
    };
  }

  since(mark: EffectsMark): Array<string> {
    const lines = this.#cluster.writes().slice(mark.writes).map(describeWrite);
    this.#cluster.events().forEach((event, i) => {
      if (event.count <= (mark.events[i] ?? 0)) return;
      const repeat = event.count > 1 ? ` (×${event.count})` : "";
      lines.push(`Event ${event.type} ${event.reason} on ${runKey(event.ref)}${repeat}: ${event.message}`);
    });
    this.#stores.forEach((store, i) => {
      for (const stored of store.stored().slice(mark.stored[i] ?? 0))
        lines.push(`stored in ${stored.backend}: ${stored.artifactId} (${stored.fullKey})`);
    });
    for (const entry of this.#tlog.entries().slice(mark.entries))
      lines.push(`transparency log entry ${entry.logIndex}: ${entry.url}`);
    return lines;
  }

  /** Everything the stores and the log hold for a run, for the `stores` command. */
  heldFor(ref: RunRef): Array<string> {
    const lines: Array<string> = [];
    for (const store of this.#stores)
      for (const stored of store.stored().filter((s) => runKey(s.run) === runKey(ref)))
        lines.push(`${stored.backend}: ${stored.artifactId} (${stored.fullKey}), signature ${stored.signature.length} bytes`);
    for (const entry of this.#tlog.entries()) lines.push(`transparency log: entry ${entry.logIndex} ${entry.url}`);
    return lines;
  }
}
