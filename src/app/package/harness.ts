// `chains-ts/harness`: the embedded controller for other projects' integration tests.
export { EmbeddedChains, type EmbeddedChainsOptions } from "../harness/embedded-chains.ts";
export type { RunJson, RunJsonMetadata } from "../../adapters/memory/run-json.ts";
export type { RunRef } from "../../domain/run/run-ref.ts";
export type { ControllerHooks, ControllerOptions } from "../controller/run-controller.ts";
