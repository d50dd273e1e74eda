import { Result } from "effect";
import type { ChainsConfig } from "../../domain/config/chains-config.ts";
import type { ConfigInvalid } from "../../domain/config/config-invalid.ts";
import { parseChainsConfig } from "../../domain/config/parse-chains-config.ts";

export type ConfigUpdate =
  | { readonly _tag: "Unchanged" }
  | { readonly _tag: "Applied"; readonly warnings: ReadonlyArray<string> }
  /** The new data is invalid; the last good config stays in force. */
  | { readonly _tag: "Rejected"; readonly error: ConfigInvalid };

/**
 * The `chains-config` in force. Only a valid config replaces the current one, so a bad live edit
 * never stops signing; the start-up config must be valid (`initial` fails otherwise).
 */
export class ConfigHolder {
  private config: ChainsConfig;
  private data: string;
  private lastData: Readonly<Record<string, string>> | undefined;

  private constructor(config: ChainsConfig, data: string) {
    this.config = config;
    this.data = data;
  }

  static initial(
    data: Readonly<Record<string, string>>,
  ): Result.Result<{ holder: ConfigHolder; warnings: ReadonlyArray<string> }, ConfigInvalid> {
    return Result.map(parseChainsConfig(data), ({ config, warnings }) => ({
      holder: new ConfigHolder(config, fingerprint(data)),
      warnings,
    }));
  }

  current(): ChainsConfig {
    return this.config;
  }

  update(data: Readonly<Record<string, string>>): ConfigUpdate {
    // Every pass asks; a cache hands out the same object until the ConfigMap changes.
    if (data === this.lastData) return { _tag: "Unchanged" };
    this.lastData = data;
    const print = fingerprint(data);
    if (print === this.data) return { _tag: "Unchanged" };
    this.data = print;
    const parsed = parseChainsConfig(data);
    if (Result.isFailure(parsed)) return { _tag: "Rejected", error: parsed.failure };
    this.config = parsed.success.config;
    return { _tag: "Applied", warnings: parsed.success.warnings };
  }
}

const fingerprint = (data: Readonly<Record<string, string>>): string =>
  JSON.stringify(Object.entries(data).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
