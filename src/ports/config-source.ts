import { Context, type Effect } from "effect";
import type { ClusterUnavailable } from "./cluster.ts";

export interface SecretSnapshot {
  /** Changes whenever any file changes; signers are rebuilt only then. */
  readonly version: string;
  readonly files: ReadonlyMap<string, Uint8Array>;
}

/**
 * The `chains-config` ConfigMap and the `signing-secrets` files. Reads are cheap (a watch cache)
 * and always current: a change is seen by the next read, which is how the controller learns of it.
 */
export class ConfigSource extends Context.Service<
  ConfigSource,
  {
    /** The `chains-config` data (empty when the ConfigMap is missing). */
    readonly readConfig: () => Effect.Effect<Readonly<Record<string, string>>, ClusterUnavailable>;
    readonly readSigningSecrets: () => Effect.Effect<SecretSnapshot, ClusterUnavailable>;
  }
>()("chains-ts/ConfigSource") {}
