// `chains-ts/ports`: the Effect service interfaces a project implements or fakes.
export * from "../../ports/artifact-store.ts";
export * from "../../ports/clock.ts";
export * from "../../ports/cluster-events.ts";
export * from "../../ports/cluster.ts";
export * from "../../ports/config-source.ts";
export * from "../../ports/lease-store.ts";
export * from "../../ports/metrics.ts";
export * from "../../ports/oci-registry.ts";
export * from "../../ports/registry-credentials.ts";
export * from "../../ports/run-source.ts";
export * from "../../ports/run-writer.ts";
export * from "../../ports/signer.ts";
export * from "../../ports/sigstore-trust.ts";
export * from "../../ports/timers.ts";
export * from "../../ports/transparency-log.ts";
