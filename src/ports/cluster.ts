import { Data } from "effect";
import type { ClusterEvents } from "./cluster-events.ts";
import type { ConfigSource } from "./config-source.ts";
import type { RunSource } from "./run-source.ts";
import type { RunWriter } from "./run-writer.ts";

/** The API server (or its stand-in) could not be reached or answered with an error. */
export class ClusterUnavailable extends Data.TaggedError("ClusterUnavailable")<{
  readonly operation: string;
  readonly reason: string;
}> {}

/** The ports a cluster adapter (the API server, the in-memory fake) provides together. */
export type ClusterServices = RunSource | RunWriter | ConfigSource | ClusterEvents;

/** One adapter's implementation of each cluster port. */
export interface ClusterPorts {
  readonly runSource: RunSource["Service"];
  readonly runWriter: RunWriter["Service"];
  readonly configSource: ConfigSource["Service"];
  readonly events: ClusterEvents["Service"];
}
