import { Layer } from "effect";
import { ClusterEvents } from "../../ports/cluster-events.ts";
import type { ClusterPorts, ClusterServices } from "../../ports/cluster.ts";
import { ConfigSource } from "../../ports/config-source.ts";
import { RunSource } from "../../ports/run-source.ts";
import { RunWriter } from "../../ports/run-writer.ts";

/** The cluster ports of one adapter, each under its own tag. */
export const clusterLayer = (ports: ClusterPorts): Layer.Layer<ClusterServices> =>
  Layer.mergeAll(
    Layer.succeed(RunSource, ports.runSource),
    Layer.succeed(RunWriter, ports.runWriter),
    Layer.succeed(ConfigSource, ports.configSource),
    Layer.succeed(ClusterEvents, ports.events),
  );
