// `chains-ts/fakes`: the in-memory fakes of the ports that the harness and our own tests use.
export * from "../../adapters/memory/in-memory-artifact-store.ts";
export * from "../../adapters/memory/in-memory-cluster.ts";
export * from "../../adapters/memory/in-memory-lease-store.ts";
export * from "../../adapters/memory/in-memory-metrics.ts";
export * from "../../adapters/memory/in-memory-registry-credentials.ts";
export * from "../../adapters/memory/in-memory-transparency-log.ts";
export * from "../../adapters/memory/injected-failures.ts";
export * from "../../adapters/memory/manual-clock.ts";
export * from "../../adapters/memory/run-completion-mutation.ts";
export * from "../../adapters/memory/run-json.ts";
export * from "../../adapters/clock/system-clock.ts";
export * from "../../adapters/clock/system-timers.ts";
export * from "../../adapters/memory/in-memory-oci-registry.ts";
