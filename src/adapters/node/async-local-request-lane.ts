import { AsyncLocalStorage } from "node:async_hooks";
import type { Lane } from "../../domain/lifecycle/decide-run-command.ts";
import type { RequestLane } from "../../ports/request-lane.ts";

const lanes = new AsyncLocalStorage<Lane>();

/**
 * The request lane as Node's async context: it follows `within`'s work through promises, timers,
 * xstate actors and Effect fibers (which restore the context they were started in), so the one
 * place that takes work and the one place that sends requests need no parameter between them.
 * One per process: the work queue and the API client must see the same context.
 */
export const asyncLocalRequestLane: RequestLane["Service"] = {
  current: () => lanes.getStore() ?? "live",
  within: (lane, work) => lanes.run(lane, work),
};
