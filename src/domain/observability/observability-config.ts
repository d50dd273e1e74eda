/** The observability ConfigMap's name in `SYSTEM_NAMESPACE` (env `CONFIG_OBSERVABILITY_NAME`), as Tekton Chains names it. */
export const OBSERVABILITY_CONFIG_MAP = "tekton-chains-config-observability";

/** Keys Tekton Chains ships that carry no setting (documentation only). */
const documentationKeys: ReadonlySet<string> = new Set(["_example"]);

/**
 * What chains-ts cannot honour in Tekton Chains' observability ConfigMap, one warning per key.
 * chains-ts always serves Prometheus `/metrics` (port 9090), which is the reference's default
 * `metrics-protocol: prometheus`; OTLP push (grpc, http/protobuf, its endpoint and interval) and
 * `none` are not available, so those are named rather than silently ignored.
 */
export const observabilityConfigWarnings = (
  data: Readonly<Record<string, string>>,
  configMap = OBSERVABILITY_CONFIG_MAP,
): ReadonlyArray<string> =>
  Object.entries(data)
    .filter(([key, value]) => !documentationKeys.has(key) && !(key === "metrics-protocol" && value === "prometheus"))
    .map(([key, value]) =>
      key === "metrics-protocol"
        ? `${configMap}: metrics-protocol ${JSON.stringify(value)} is not supported: chains-ts serves Prometheus /metrics on port 9090 only`
        : `${configMap}: ignoring ${key} ${JSON.stringify(value)}: chains-ts serves Prometheus /metrics on port 9090 and has no other metrics export`,
    );
