import type { LogLevel } from "effect";
import { parseJsonText } from "../serialization/json-text.ts";

/** The logging ConfigMap's name in `SYSTEM_NAMESPACE` (env `CONFIG_LOGGING_NAME`), as Tekton Chains names it. */
export const LOGGING_CONFIG_MAP = "config-logging";

/** zap's level names (what Tekton Chains' `config-logging` holds) and the nearest Effect level. */
const zapLevels: Readonly<Record<string, LogLevel.LogLevel>> = {
  debug: "Debug",
  info: "Info",
  warn: "Warn",
  error: "Error",
  dpanic: "Fatal",
  panic: "Fatal",
  fatal: "Fatal",
};

export interface LoggingConfig {
  /** Lines below this level are not written. */
  readonly minimumLevel: LogLevel.LogLevel;
  readonly warnings: ReadonlyArray<string>;
}

/**
 * Reads the logging ConfigMap's data the way knative does for the controller: `loglevel.controller`
 * overrides the `level` inside the `zap-logger-config` JSON. The rest of the zap configuration
 * (encoding, keys, sampling) does not apply: chains-ts always writes JSON lines. A value that cannot
 * be used is a warning and the default `info` stays, so a bad edit never keeps the controller down.
 */
export const parseLoggingConfig = (data: Readonly<Record<string, string>>, configMap = LOGGING_CONFIG_MAP): LoggingConfig => {
  const warnings: Array<string> = [];
  const levelOf = (key: string, value: string): LogLevel.LogLevel | undefined => {
    const word = value.toLowerCase();
    // Own keys only: "__proto__" or "constructor" must not resolve to Object's members.
    const level = Object.hasOwn(zapLevels, word) ? zapLevels[word] : undefined;
    if (level === undefined) {
      warnings.push(`${configMap}: ignoring ${key} ${JSON.stringify(value)}: expected one of ${Object.keys(zapLevels).join(", ")}`);
    }
    return level;
  };
  let minimumLevel: LogLevel.LogLevel = "Info";
  const zap = data["zap-logger-config"];
  if (zap !== undefined && zap.trim() !== "") {
    let parsed: unknown;
    try {
      parsed = parseJsonText(zap);
    } catch {
      warnings.push(`${configMap}: ignoring zap-logger-config: not valid JSON`);
    }
    const level = typeof parsed === "object" && parsed !== null ? (parsed as Record<string, unknown>)["level"] : undefined;
    if (typeof level === "string" && level !== "") minimumLevel = levelOf("zap-logger-config level", level) ?? minimumLevel;
  }
  const override = data["loglevel.controller"];
  if (override !== undefined && override !== "") minimumLevel = levelOf("loglevel.controller", override) ?? minimumLevel;
  return { minimumLevel, warnings };
};
