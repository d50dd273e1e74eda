import type { RunObject } from "./run-object.ts";

/** A run is done when its `Succeeded` condition is `True` or `False`; both outcomes are signed. */
export const isDone = (run: RunObject): boolean => {
  const succeeded = run.status?.conditions?.find((c) => c.type === "Succeeded");
  return succeeded?.status === "True" || succeeded?.status === "False";
};

export const isBeingDeleted = (run: RunObject): boolean => run.metadata.deletionTimestamp !== undefined;

/** Completion time in epoch milliseconds, for ordering the backlog; 0 when unknown. */
export const completedAtMillis = (run: RunObject): number => {
  const parsed = Date.parse(run.status?.completionTime ?? "");
  return Number.isNaN(parsed) ? 0 : parsed;
};
