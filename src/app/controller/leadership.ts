import type { RunKind } from "../../domain/run/run-object.ts";

/**
 * Whether this replica may process runs of a kind. The controller watches and caches every run
 * either way, so a replica that gains leadership starts from a warm cache.
 */
export interface Leadership {
  readonly leads: (kind: RunKind) => boolean;
  /** `listener` hears every gain and loss; returns the unsubscribe function. */
  readonly subscribe: (listener: (kind: RunKind, leading: boolean) => void) => () => void;
}

/** A single replica (the embedded harness, the demo, `--leader-elect=false`): it always leads. */
export const soleLeader: Leadership = {
  leads: () => true,
  subscribe: () => () => undefined,
};
