export { startKubeApiEmulator, type EmulatorOptions, type KubeApiEmulator } from "./emulator.ts";
export type { FaultMatch, FaultResponse, FaultRule, InstalledFault } from "./fault-injection.ts";
export type { LogFilter, RequestLogEntry } from "./request-log.ts";
export type { KubeconfigOptions } from "./kubeconfig.ts";
export { PATCH_TYPES } from "./resource-operations.ts";
export type { JsonObject } from "./json-values.ts";
