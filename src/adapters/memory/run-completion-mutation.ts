import { kubernetesTimeOf, type RunJson } from "./run-json.ts";

/**
 * An `InMemoryCluster.updateRun` mutation that finishes a run the way the Tekton controller does:
 * sets the `Succeeded` condition and `status.completionTime`.
 */
export const completeRun =
  (outcome: "True" | "False", at: Date) =>
  (run: RunJson): void => {
    const status = (isObject(run["status"]) ? run["status"] : {}) as Record<string, unknown>;
    const conditions = Array.isArray(status["conditions"]) ? (status["conditions"] as Array<unknown>) : [];
    const others = conditions.filter((c) => !(isObject(c) && c["type"] === "Succeeded"));
    const time = kubernetesTimeOf(at);
    run["status"] = {
      ...status,
      conditions: [
        ...others,
        {
          type: "Succeeded",
          status: outcome,
          reason: outcome === "True" ? "Succeeded" : "Failed",
          lastTransitionTime: time,
        },
      ],
      completionTime: time,
    };
  };

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);
